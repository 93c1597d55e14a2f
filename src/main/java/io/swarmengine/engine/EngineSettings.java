package io.swarmengine.engine;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.swarmengine.adapter.AdapterHub;
import io.swarmengine.cursor.CursorSettings;
import io.swarmengine.env.Task;
import io.swarmengine.model.GptConfig;
import io.swarmengine.model.LoraAdapter;
import io.swarmengine.policy.CompiledPolicy;
import io.swarmengine.policy.PolicyException;
import io.swarmengine.policy.PolicySpec;
import io.swarmengine.replay.ReplaySettings;
import io.swarmengine.trainer.TrainerSettings;
import io.swarmengine.worker.RolloutSettings;
import io.swarmengine.worker.WorkerSettings;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A run as the {@code swarm} block of the configuration describes it (every key is documented in
 * reference.conf). Reading it checks everything up front, so a bad value fails at start with the
 * key's name, not halfway through a run.
 */
public record EngineSettings(
    Path dataDir,
    long seed,
    Task task,
    PolicySpec schedule,
    Long positions,
    CompiledPolicy compiled,
    Path baseModel,
    GptConfig freshModel,
    int trainerThreads,
    WarmStart.Settings warmStart,
    LoraAdapter.Settings lora,
    RolloutSettings rollout,
    int workers,
    boolean nullPolicy,
    WorkerSettings worker,
    boolean trainerEnabled,
    TrainerSettings trainer,
    ReplaySettings replay,
    CursorSettings cursor,
    int keepVersions,
    Duration metricsInterval) {

  public static EngineSettings from(Config config) {
    KnownSettings.require(config);
    Config s = config.getConfig("swarm");
    Path data = Path.of(s.getString("data-dir"));
    long seed = s.getLong("seed");
    Task task;
    try {
      task = Task.byName(s.getString("task"));
    } catch (IllegalArgumentException e) {
      throw new ConfigException.BadValue("swarm.task", e.getMessage());
    }
    long total = s.getLong("positions");
    if (total < 0) {
      throw new ConfigException.BadValue("swarm.positions", "must be >= 0 (0: unbounded), got " + total);
    }
    Long positions = total == 0 ? null : total;
    PolicySpec spec;
    CompiledPolicy compiled;
    try {
      spec = PolicySpec.parse(s.getString("schedule"), io.swarmengine.policy.TrainScope.GPT2_SCOPES);
    } catch (PolicyException e) {
      throw new ConfigException.BadValue("swarm.schedule", e.getMessage());
    }
    try {
      compiled = spec.compile(positions);
    } catch (PolicyException e) {
      // a sound schedule can fail on the run's length alone (the demo's trains from position 64 on)
      throw new ConfigException.BadValue("swarm.schedule", e.getMessage() + (positions == null
          ? "; the run is unbounded (swarm.positions = 0)"
          : "; its boundaries resolved against the run's " + positions + " positions (swarm.positions, --positions)"));
    }
    Config m = s.getConfig("model");
    Path base = data.resolve(m.getString("base"));
    GptConfig fresh;
    try {
      fresh = new GptConfig(m.getInt("layers"), m.getInt("heads"), m.getInt("embd"), m.getInt("context"),
          io.swarmengine.model.ByteTokenizer.VOCAB, 1e-5f, true);
    } catch (IllegalArgumentException e) {
      throw new ConfigException.BadValue("swarm.model", e.getMessage());
    }
    Config w = m.getConfig("warm-start");
    WarmStart.Settings warm = new WarmStart.Settings(w.getInt("steps"), w.getInt("batch"), w.getDouble("lr"),
        w.getDouble("target-success"), w.getInt("eval"), Math.max(1, w.getInt("eval-every")));
    Config l = s.getConfig("lora");
    LoraAdapter.Settings lora;
    RolloutSettings rollout;
    WorkerSettings worker;
    TrainerSettings trainer;
    try {
      lora = new LoraAdapter.Settings(l.getInt("rank"), (float) l.getDouble("alpha"), (float) l.getDouble("dropout"),
          l.getStringList("target-modules"), base.toString());
      rollout = RolloutSettings.fromConfig(s.getConfig("rollout"));
      worker = WorkerSettings.fromConfig(s.getConfig("workers"), seed);
      trainer = TrainerSettings.fromConfig(s.getConfig("trainer"), rollout.temperature());
    } catch (IllegalArgumentException e) {
      throw new ConfigException.BadValue("swarm", e.getMessage());
    }
    int workers = s.getInt("workers.count");
    if (workers < 0) {
      throw new ConfigException.BadValue("swarm.workers.count", "must be >= 0, got " + workers);
    }
    String policy = s.getString("workers.policy");
    if (!policy.equals("model") && !policy.equals("null")) {
      throw new ConfigException.BadValue("swarm.workers.policy", "'" + policy + "' is not model or null");
    }
    ReplaySettings replay;
    try {
      replay = ReplaySettings.fromConfig(config);
    } catch (IllegalArgumentException e) {
      throw new ConfigException.BadValue("swarm.replay", e.getMessage());
    }
    CursorSettings cursor;
    try {
      cursor = CursorSettings.fromConfig(config);
    } catch (IllegalArgumentException e) {
      throw new ConfigException.BadValue("swarm.cursor", e.getMessage());
    }
    return new EngineSettings(data, seed, task, spec, positions, compiled, base, fresh, Math.max(1, m.getInt("trainer-threads")),
        warm, lora, rollout, workers, policy.equals("null"), worker, s.getBoolean("trainer.enabled"), trainer,
        replay, cursor, AdapterHub.keepVersions(config), s.getDuration("metrics.interval"));
  }
}
