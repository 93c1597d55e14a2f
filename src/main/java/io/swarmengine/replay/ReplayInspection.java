package io.swarmengine.replay;

import io.swarmengine.CborSerializable;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code swarm replay stats} prints: size, the sum of priorities and the sampling mass, a
 * priority histogram, the oldest and newest positions, the adapter versions present with their
 * counts, the running counters, and a SHA-256 digest over every item's id, insert sequence,
 * priority and sample count in slot order (two replays with the same digest hold the same items
 * the same way).
 */
public record ReplayInspection(
    int size,
    int capacity,
    double totalPriority,
    double samplingMass,
    List<Bin> priorityHistogram,
    Long oldestPosition,
    Long newestPosition,
    Map<Long, Integer> adapterVersions,
    Replay.Stats stats,
    String digest)
    implements CborSerializable {

  /** Priorities in {@code [from, to)} (the last bin includes {@code to}). */
  public record Bin(double from, double to, int count) implements CborSerializable {}

  static ReplayInspection of(PrioritizedStore store, Replay.Stats stats, int bins) {
    int capacity = store.settings().capacity();
    double sum = 0;
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    Long oldest = null;
    Long newest = null;
    Map<Long, Integer> versions = new TreeMap<>();
    MessageDigest sha = sha256();
    ByteBuffer record = ByteBuffer.allocate(28);
    for (int slot = 0; slot < capacity; slot++) {
      EpisodeGroup g = store.item(slot);
      if (g == null) {
        continue;
      }
      double p = store.priority(slot);
      sum += p;
      min = Math.min(min, p);
      max = Math.max(max, p);
      oldest = oldest == null ? g.position() : Math.min(oldest, g.position());
      newest = newest == null ? g.position() : Math.max(newest, g.position());
      versions.merge(g.adapterVersion(), 1, Integer::sum);
      sha.update(g.id().getBytes(StandardCharsets.UTF_8));
      record.clear();
      record.putInt(slot).putLong(store.seq(slot)).putDouble(p).putInt(store.timesSampled(slot)).putInt(0);
      sha.update(record.array());
    }
    List<Bin> histogram = new ArrayList<>();
    if (store.size() > 0) {
      double width = (max - min) / bins;
      int[] counts = new int[bins];
      for (int slot = 0; slot < capacity; slot++) {
        if (store.item(slot) != null) {
          int b = width == 0 ? 0 : (int) Math.min(bins - 1, (store.priority(slot) - min) / width);
          counts[b]++;
        }
      }
      int used = width == 0 ? 1 : bins;
      for (int b = 0; b < used; b++) {
        double from = min + b * width;
        histogram.add(new Bin(from, b == used - 1 ? max : from + width, counts[b]));
      }
    }
    return new ReplayInspection(
        store.size(),
        capacity,
        sum,
        store.totalWeight(),
        histogram,
        oldest,
        newest,
        versions,
        stats,
        HexFormat.of().formatHex(sha.digest()));
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
