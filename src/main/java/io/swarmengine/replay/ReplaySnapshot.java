package io.swarmengine.replay;

/**
 * A frozen copy of a {@link PrioritizedStore}, slot for slot: what a replay snapshot holds. Its
 * arrays are indexed by slot ({@code items[slot] == null}: free); {@code freeSlots} is the free
 * stack in order. Written by {@link ReplaySnapshotSerializer} in a compact binary form.
 */
public record ReplaySnapshot(
    int capacity,
    EpisodeGroup[] items,
    long[] seqs,
    double[] priorities,
    int[] timesSampled,
    int[] freeSlots,
    Totals totals) {

  /** The store's running totals. */
  public record Totals(
      long nextSeq,
      long newestVersion,
      double maxSeen,
      long inserts,
      long itemsSampled,
      long batchesSampled,
      long evicted,
      long evictedStale,
      long removedAfterMaxSamples,
      long droppedUpdates) {}
}
