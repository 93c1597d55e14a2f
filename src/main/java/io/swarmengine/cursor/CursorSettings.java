package io.swarmengine.cursor;

import com.typesafe.config.Config;
import java.time.Duration;

/** The cursor's tunables, from {@code swarm.cursor} (documented in reference.conf). */
public record CursorSettings(
    String persistenceId,
    Duration leaseTimeout,
    int maxLease,
    int maxBatch,
    int snapshotEvery,
    int keepSnapshots) {

  public CursorSettings {
    if (leaseTimeout.isNegative() || leaseTimeout.isZero()) {
      throw new IllegalArgumentException("swarm.cursor.lease-timeout must be > 0, got " + leaseTimeout);
    }
    if (maxLease < 1 || maxBatch < 1 || snapshotEvery < 1 || keepSnapshots < 1) {
      throw new IllegalArgumentException(
          "swarm.cursor.max-lease, max-batch, snapshot-every and keep-snapshots must be >= 1");
    }
  }

  public static CursorSettings fromConfig(Config config) {
    Config c = config.getConfig("swarm.cursor");
    return new CursorSettings(
        c.getString("persistence-id"),
        c.getDuration("lease-timeout"),
        c.getInt("max-lease"),
        c.getInt("max-batch"),
        c.getInt("snapshot-every"),
        c.getInt("keep-snapshots"));
  }

  public CursorSettings withLeaseTimeout(Duration timeout) {
    return new CursorSettings(persistenceId, timeout, maxLease, maxBatch, snapshotEvery, keepSnapshots);
  }
}
