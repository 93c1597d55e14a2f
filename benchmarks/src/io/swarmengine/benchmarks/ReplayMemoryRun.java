package io.swarmengine.benchmarks;

import io.swarmengine.replay.EpisodeGroup;
import io.swarmengine.replay.EvictionPolicy;
import io.swarmengine.replay.PrioritizedStore;
import io.swarmengine.replay.StoreSettings;

/**
 * Bytes of heap the prioritized store spends per item beyond the item itself: the groups are made
 * first and held, then inserted, and the heap grows by the store's own structures (slot arrays,
 * sum and min trees, the id index).
 */
public final class ReplayMemoryRun {
  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    EpisodeGroup payload = BenchGroups.group(0, 4);
    EpisodeGroup[] groups = new EpisodeGroup[n];
    for (int i = 0; i < n; i++) {
      groups[i] = new EpisodeGroup("g" + i, i, "bench", 0, payload.episodes(), payload.metadata(), 0);
    }
    long before = usedHeap();
    PrioritizedStore store =
        new PrioritizedStore(new StoreSettings(n, 0.6, 0.01, EvictionPolicy.FIFO, 0, 1000, 0.4, 10_000));
    for (int i = 0; i < n; i++) {
      store.insert(groups[i], 1.0 + i % 7, i);
    }
    long after = usedHeap();
    System.out.printf(
        "%,d items: the store adds %,d bytes, %.1f bytes per item beyond the items themselves%n",
        store.size(), after - before, (after - before) / (double) n);
    if (groups.length == 0) {
      System.out.println(store);
    }
  }

  private static long usedHeap() {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 5; i++) {
      System.gc();
    }
    return rt.totalMemory() - rt.freeMemory();
  }
}
