package io.swarmengine.engine;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A run at a glance, as {@code swarm status} prints it and {@code DIR/status.json} holds it.
 * {@code acknowledged_groups} counts the episode groups the replay has made durable since the run
 * began; {@code running} says whether a live engine wrote this; {@code model_cpu_share} is the share
 * of the process's CPU time over about the last minute spent in generation and training steps,
 * {@code jit_cpu_share} and {@code gc_cpu_share} the shares of the JVM's compiler and collector
 * threads (Linux only); the rest is the engine's own work. {@code refused_groups} counts the
 * built-in workers' groups the replay refused in this session (their positions completed without
 * them; the log says why); like the other rolling fields it is null for a stopped run.
 */
public record EngineStatus(
    @JsonProperty("next_position") long nextPosition,
    @JsonProperty("completed_positions") long completedPositions,
    @JsonProperty("total_positions") Long totalPositions,
    @JsonProperty("finished") boolean finished,
    @JsonProperty("adapter_version") long adapterVersion,
    @JsonProperty("adapter_versions") long adapterVersions,
    @JsonProperty("replay_size") long replaySize,
    @JsonProperty("acknowledged_groups") long acknowledgedGroups,
    @JsonProperty("episodes") Long episodes,
    @JsonProperty("mean_reward") Double meanReward,
    @JsonProperty("success_rate") Double successRate,
    @JsonProperty("reload_p50_ms") Double reloadP50Millis,
    @JsonProperty("reload_p99_ms") Double reloadP99Millis,
    @JsonProperty("refused_groups") Long refusedGroups,
    @JsonProperty("model_cpu_share") Double modelCpuShare,
    @JsonProperty("jit_cpu_share") Double jitCpuShare,
    @JsonProperty("gc_cpu_share") Double gcCpuShare,
    @JsonProperty("trainer_steps") long trainerSteps,
    @JsonProperty("schedule") String schedule,
    @JsonProperty("running") boolean running,
    @JsonProperty("updated_at") String updatedAt) {}
