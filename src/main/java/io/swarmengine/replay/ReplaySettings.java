package io.swarmengine.replay;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Locale;

/** The replay's configuration, from {@code swarm.replay} (every key documented in reference.conf). */
public record ReplaySettings(
    String persistenceId,
    StoreSettings store,
    GroupLimits limits,
    PriorityFunction priority,
    String priorityName,
    RateLimiter rateLimiter,
    int maxSampleSize,
    int maxBatch,
    int snapshotEvery,
    Duration samplingWriteBehind) {

  public ReplaySettings withPersistenceId(String id) {
    return new ReplaySettings(
        id, store, limits, priority, priorityName, rateLimiter, maxSampleSize, maxBatch, snapshotEvery,
        samplingWriteBehind);
  }

  public static ReplaySettings fromConfig(Config config) {
    Config c = config.getConfig("swarm.replay");
    double floor = c.getDouble("priority-floor");
    StoreSettings store =
        new StoreSettings(
            c.getInt("capacity"),
            c.getDouble("alpha"),
            floor,
            eviction(c.getString("eviction")),
            c.getInt("max-times-sampled"),
            c.getLong("eviction-lag"),
            c.getDouble("beta0"),
            c.getLong("beta-horizon"));
    GroupLimits limits =
        new GroupLimits(
            c.getInt("vocab-size"), c.getLong("max-tokens-per-group"), c.getInt("max-episodes-per-group"));
    Config rl = c.getConfig("rate-limiter");
    double spi = rl.getDouble("samples-per-insert");
    long minSize = rl.getLong("min-size-to-sample");
    RateLimiter limiter =
        spi > 0
            ? RateLimiter.sampleToInsertRatio(spi, minSize, rl.getDouble("error-buffer"))
            : RateLimiter.minSize(minSize);
    String name = c.getString("priority");
    return new ReplaySettings(
        c.getString("persistence-id"),
        store,
        limits,
        priorityFunction(name, floor),
        name,
        limiter,
        c.getInt("max-sample-size"),
        c.getInt("max-batch"),
        c.getInt("snapshot-every"),
        c.getDuration("sampling-write-behind"));
  }

  static EvictionPolicy eviction(String name) {
    switch (name.toLowerCase(Locale.ROOT)) {
      case "fifo":
        return EvictionPolicy.FIFO;
      case "lowest-priority":
        return EvictionPolicy.LOWEST_PRIORITY;
      default:
        throw new IllegalArgumentException(
            "swarm.replay.eviction is '" + name + "'; expected fifo or lowest-priority");
    }
  }

  /** A built-in by name, or the class name of the user's own (with a no-argument constructor). */
  static PriorityFunction priorityFunction(String name, double floor) {
    switch (name) {
      case "reward-spread":
        return PriorityFunction.rewardSpread(floor);
      case "max-seen":
        return PriorityFunction.maxSeen();
      case "improvement":
        return PriorityFunction.improvementOverBaseline();
      case "given":
        return PriorityFunction.given();
      default:
        try {
          return (PriorityFunction) Class.forName(name).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | ClassCastException e) {
          throw new IllegalArgumentException(
              "swarm.replay.priority is '" + name + "': not reward-spread, max-seen, improvement, given,"
                  + " or a PriorityFunction class with a no-argument constructor (" + e + ")");
        }
    }
  }
}
