package io.swarmengine.worker;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * A worker's pacing: positions asked per lease, most groups played between two inserts (and
 * between two looks at the mailbox), the most time one such chunk may take, the run's seed (a
 * position's environment seed derives from it, so every worker plays position p the same way),
 * how many inserts may be in flight while it plays on, and how far generation may run ahead of
 * training: position p is played only once at most {@code maxStepsAhead} of the training steps that
 * positions before p call for are still without their adapter version (AReaL's staleness control),
 * waiting at most {@code throttleTimeout} for one (then it plays on, so a dropped step cannot stall the run),
 * and how long positions whose groups the replay has acknowledged may wait before the worker
 * completes them at the cursor ({@code completeEvery}: one journal write for many chunks; they are
 * completed sooner when the worker's leased positions run out or it is drained).
 */
public record WorkerSettings(
    int leaseSize, int chunkGroups, Duration chunkTime, long seed, int insertsInFlight, int maxStepsAhead, Duration throttleTimeout,
    Duration completeEvery, int maxPlayFailures) {
  public WorkerSettings {
    if (maxPlayFailures < 0) {
      throw new IllegalArgumentException("swarm.workers.max-play-failures must be >= 0 (0: never stop), got " + maxPlayFailures);
    }
    if (leaseSize < 1 || chunkGroups < 1 || insertsInFlight < 1 || chunkTime.isNegative() || chunkTime.isZero()) {
      throw new IllegalArgumentException("worker needs lease-size, chunk-groups, inserts-in-flight >= 1 and a positive chunk-time");
    }
    if (throttleTimeout.isNegative() || completeEvery.isNegative()) {
      throw new IllegalArgumentException("throttle-timeout and complete-every must be >= 0");
    }
  }

  /** Whether workers wait for the trainer at all ({@code max-steps-ahead} < 0: never). */
  public boolean throttled() {
    return maxStepsAhead >= 0;
  }

  /** From a {@code swarm.workers} block and the run's seed. */
  public static WorkerSettings fromConfig(Config workers, long seed) {
    return new WorkerSettings(
        workers.getInt("lease-size"),
        workers.getInt("chunk-groups"),
        workers.getDuration("chunk-time"),
        seed,
        workers.getInt("inserts-in-flight"),
        workers.getInt("max-steps-ahead"),
        workers.getDuration("throttle-timeout"),
        workers.getDuration("complete-every"),
        workers.getInt("max-play-failures"));
  }
}
