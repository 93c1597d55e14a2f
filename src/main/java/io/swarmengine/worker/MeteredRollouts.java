package io.swarmengine.worker;

import io.swarmengine.env.Task;
import io.swarmengine.metrics.ComputeMeter;
import io.swarmengine.replay.Episode;
import java.util.List;

/** Rollouts whose CPU time (generation and the environment's steps) counts as model compute. */
public record MeteredRollouts(Rollouts rollouts, ComputeMeter meter) implements Rollouts {
  @Override
  public List<Episode> play(Task task, long seed, PolicyModel policy, long samplingSeed) {
    long started = ComputeMeter.threadCpuNanos();
    try {
      return rollouts.play(task, seed, policy, samplingSeed);
    } finally {
      meter.addSince(started);
    }
  }

  @Override
  public int groupSize() {
    return rollouts.groupSize();
  }
}
