package io.swarmengine.replay;

/**
 * The prioritized store's tunables: capacity; {@code alpha}, how strongly priority shapes sampling
 * (0 uniform, 1 proportional); the priority floor every priority is raised to (so nothing has zero
 * chance); eviction; {@code maxTimesSampled} (0: no limit); {@code evictionLag}, how many adapter
 * versions behind the newest an item may be before a full replay evicts it first; and the
 * importance-sampling exponent beta, annealed from {@code beta0} to 1 over {@code betaHorizon}
 * sampled batches.
 */
public record StoreSettings(
    int capacity,
    double alpha,
    double priorityFloor,
    EvictionPolicy eviction,
    int maxTimesSampled,
    long evictionLag,
    double beta0,
    long betaHorizon) {

  public StoreSettings {
    if (capacity < 1) {
      throw new IllegalArgumentException("replay capacity must be >= 1, got " + capacity);
    }
    if (!(alpha >= 0) || !(priorityFloor > 0) || !Double.isFinite(priorityFloor)) {
      throw new IllegalArgumentException(
          "replay alpha must be >= 0 and the priority floor > 0, got " + alpha + " and " + priorityFloor);
    }
    if (maxTimesSampled < 0 || evictionLag < 0 || betaHorizon < 1 || !(beta0 >= 0 && beta0 <= 1)) {
      throw new IllegalArgumentException(
          "replay max-times-sampled and eviction-lag must be >= 0, beta0 in [0, 1], beta horizon >= 1");
    }
  }
}
