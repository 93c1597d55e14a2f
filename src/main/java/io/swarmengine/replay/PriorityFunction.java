package io.swarmengine.replay;

import java.util.Map;

/**
 * The initial priority of a group entering the replay (trainers update it later from their
 * losses). Implement it for your own; name the class in {@code swarm.replay.priority}.
 * {@code maxSeen} is the largest priority the replay has held so far (1.0 before any).
 */
@FunctionalInterface
public interface PriorityFunction {
  double priority(EpisodeGroup group, double maxSeen);

  /**
   * Reward spread (the default): the standard deviation of the episodes' total rewards. A group
   * whose episodes all scored the same gives a GRPO learner no signal, so it gets {@code floor}.
   */
  static PriorityFunction rewardSpread(double floor) {
    return (group, maxSeen) -> {
      double[] r = group.totalRewards();
      double mean = 0;
      for (double x : r) {
        mean += x;
      }
      mean /= r.length;
      double var = 0;
      for (double x : r) {
        var += (x - mean) * (x - mean);
      }
      return Math.max(floor, Math.sqrt(var / r.length));
    };
  }

  /** New groups enter at the largest priority seen so far, so each is sampled soon (Schaul et al.). */
  static PriorityFunction maxSeen() {
    return (group, maxSeen) -> maxSeen;
  }

  /**
   * Seed 004's improvement over a baseline, from the group's metadata: {@code valid=false} gives
   * 0.001, {@code fallback_used=true} 0.01, a zero {@code baseline_cost} 1.0, otherwise
   * {@code 1 + max(0, baseline_cost - cost) / baseline_cost} (a missing {@code cost} counts as the
   * baseline: no improvement).
   */
  static PriorityFunction improvementOverBaseline() {
    return (group, maxSeen) -> {
      Map<String, String> m = group.metadata();
      if (!Boolean.parseBoolean(m.getOrDefault("valid", "true"))) {
        return 0.001;
      }
      if (Boolean.parseBoolean(m.getOrDefault("fallback_used", "false"))) {
        return 0.01;
      }
      long baseline = Long.parseLong(m.getOrDefault("baseline_cost", "0"));
      long cost = m.containsKey("cost") ? Long.parseLong(m.get("cost")) : baseline;
      long improvement = Math.max(0, baseline - cost);
      if (baseline == 0) {
        return 1.0;
      }
      return 1.0 + (double) improvement / baseline;
    };
  }

  /** The priority the producer computed (Ape-X's actors), from metadata key {@code priority}. */
  static PriorityFunction given() {
    return (group, maxSeen) -> {
      String p = group.metadata().get("priority");
      if (p == null) {
        throw new IllegalArgumentException("metadata has no 'priority'");
      }
      return Double.parseDouble(p);
    };
  }
}
