package io.swarmengine.replay;

import static io.swarmengine.replay.TestGroups.group;
import static io.swarmengine.replay.TestGroups.settings;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PrioritizedStoreTest {

  @Test
  void samplingFrequenciesFollowPriorityToTheAlpha() {
    StoreSettings s = new StoreSettings(8, 0.6, 1e-6, EvictionPolicy.FIFO, 0, 1000, 0.4, 100);
    PrioritizedStore store = new PrioritizedStore(s);
    double[] priorities = {0.1, 0.5, 1.0, 2.0, 4.0, 0.25, 3.0, 1.5};
    double sum = 0;
    for (int i = 0; i < priorities.length; i++) {
      store.insert(group("g" + i, 0, 0, 1), priorities[i], i);
      sum += Math.pow(priorities[i], 0.6);
    }
    long[] counts = new long[priorities.length];
    SplittableRandom random = new SplittableRandom(42);
    int batches = 5000;
    int n = 16;
    for (int b = 0; b < batches; b++) {
      PrioritizedStore.Draw draw = store.sample(n, 1.0, Long.MAX_VALUE, random);
      for (int slot : draw.slots()) {
        counts[Integer.parseInt(store.item(slot).id().substring(1))]++;
      }
    }
    double total = batches * n;
    double chi2 = 0;
    for (int i = 0; i < priorities.length; i++) {
      double expected = total * Math.pow(priorities[i], 0.6) / sum;
      chi2 += (counts[i] - expected) * (counts[i] - expected) / expected;
    }
    // 7 degrees of freedom: P(chi2 > 24.32) = 0.001; stratification only lowers the variance
    assertTrue(chi2 < 24.32, "chi-square " + chi2);
  }

  @Test
  void importanceWeightsAreExact() {
    PrioritizedStore store = new PrioritizedStore(settings(4, EvictionPolicy.FIFO));
    store.insert(group("a", 0, 0, 1), 1.0, 0);
    store.insert(group("b", 0, 0, 1), 3.0, 1);
    // alpha 1: P(a) = 1/4, P(b) = 3/4; N = 2; w = (N·P)^-beta / max
    boolean sawBoth = false;
    SplittableRandom random = new SplittableRandom(1);
    for (int trial = 0; trial < 20; trial++) {
      PrioritizedStore.Draw draw = store.sample(2, 0.5, Long.MAX_VALUE, random);
      double[] raw = new double[2];
      for (int i = 0; i < 2; i++) {
        double p = store.item(draw.slots()[i]).id().equals("a") ? 0.25 : 0.75;
        raw[i] = Math.pow(2 * p, -0.5);
      }
      double max = Math.max(raw[0], raw[1]);
      assertEquals(raw[0] / max, draw.weights()[0], 1e-12);
      assertEquals(raw[1] / max, draw.weights()[1], 1e-12);
      sawBoth |= raw[0] != raw[1];
    }
    assertTrue(sawBoth);
    PrioritizedStore.Draw draw = store.sample(2, 0.5, Long.MAX_VALUE, random);
    // stratified: the first slice [0, 2) holds a (mass 1) and the start of b; the second is all b
    assertEquals("b", store.item(draw.slots()[1]).id());
    assertEquals(0.5, draw.beta());
  }

  @Test
  void betaAnnealsFromBeta0ToOneOverTheHorizon() {
    PrioritizedStore store = new PrioritizedStore(settings(4, EvictionPolicy.FIFO));
    store.insert(group("a", 0, 0, 1), 1.0, 0);
    assertEquals(0.4, store.annealedBeta(), 1e-12);
    for (int i = 0; i < 50; i++) {
      store.recordSample(List.of());
    }
    assertEquals(0.7, store.annealedBeta(), 1e-12);
    assertEquals(0.7, store.sample(1, Double.NaN, Long.MAX_VALUE, new SplittableRandom(1)).beta(), 1e-12);
    for (int i = 0; i < 100; i++) {
      store.recordSample(List.of());
    }
    assertEquals(1.0, store.annealedBeta(), 1e-12);
  }

  @Test
  void fifoEvictsTheOldestInsert() {
    PrioritizedStore store = new PrioritizedStore(settings(3, EvictionPolicy.FIFO));
    store.insert(group("a", 0, 0, 1), 5.0, 0);
    store.insert(group("b", 0, 0, 1), 0.1, 1);
    store.insert(group("c", 0, 0, 1), 1.0, 2);
    assertEquals("a", store.insert(group("d", 0, 0, 1), 1.0, 3));
    assertEquals("b", store.insert(group("e", 0, 0, 1), 1.0, 4));
    assertEquals(3, store.size());
    assertEquals(2, store.counters().evicted);
  }

  @Test
  void lowestPriorityEvictsTheLeastPromising() {
    PrioritizedStore store = new PrioritizedStore(settings(3, EvictionPolicy.LOWEST_PRIORITY));
    store.insert(group("a", 0, 0, 1), 5.0, 0);
    store.insert(group("b", 0, 0, 1), 0.1, 1);
    store.insert(group("c", 0, 0, 1), 1.0, 2);
    assertEquals("b", store.insert(group("d", 0, 0, 1), 2.0, 3));
    assertEquals("c", store.insert(group("e", 0, 0, 1), 3.0, 4));
    store.updatePriorities(List.of(new SampleKey("a", 0)), new double[] {0.01});
    assertEquals("a", store.insert(group("f", 0, 0, 1), 3.0, 5));
  }

  @Test
  void staleItemsAreEvictedFirstAndNotSampled() {
    StoreSettings s = new StoreSettings(3, 1.0, 1e-6, EvictionPolicy.LOWEST_PRIORITY, 0, 2, 0.4, 100);
    PrioritizedStore store = new PrioritizedStore(s);
    store.insert(group("old", 1, 0, 1), 9.0, 0);
    store.insert(group("mid", 3, 0, 1), 0.5, 1);
    store.insert(group("new", 4, 0, 1), 1.0, 2);
    // newest is 4: "old" (version 1) is 3 behind, past the eviction lag of 2
    assertEquals("old", store.insert(group("newer", 4, 0, 1), 1.0, 3));
    assertEquals(1, store.counters().evictedStale);
    // sampling with maxLag 0 sees only version 4
    SplittableRandom random = new SplittableRandom(3);
    for (int i = 0; i < 50; i++) {
      PrioritizedStore.Draw draw = store.sample(4, 1.0, 0, random);
      for (int slot : draw.slots()) {
        assertEquals(4, store.item(slot).adapterVersion());
      }
      // N counts only the eligible items: 2 of equal priority, so every weight is 1
      assertArrayEquals(new double[] {1, 1, 1, 1}, draw.weights(), 1e-12);
    }
    assertEquals(1, store.staleCount(0));
    // the masks are undone: the sampling mass is whole again
    assertEquals(2.5, store.totalWeight(), 1e-12);
    StoreSettings onlyStale = new StoreSettings(2, 1.0, 1e-6, EvictionPolicy.FIFO, 0, 10, 0.4, 100);
    PrioritizedStore staleStore = new PrioritizedStore(onlyStale);
    staleStore.insert(group("x", 0, 0, 1), 1.0, 0);
    staleStore.insert(group("y", 5, 0, 1), 1.0, 1);
    staleStore.recordSample(List.of(new SampleKey("y", 1)));
    assertNull(new PrioritizedStore(onlyStale).sample(1, 1.0, 0, random), "empty");
  }

  @Test
  void priorityUpdatesForEvictedOrReplacedCopiesAreDropped() {
    PrioritizedStore store = new PrioritizedStore(settings(2, EvictionPolicy.FIFO));
    store.insert(group("a", 0, 0, 1), 1.0, 0);
    store.insert(group("b", 0, 0, 1), 1.0, 1);
    SampleKey a0 = new SampleKey("a", 0);
    store.insert(group("c", 0, 0, 1), 1.0, 2); // evicts a
    store.insert(group("a", 0, 0, 1), 1.0, 3); // evicts b; a is back as copy 3
    int dropped =
        store.updatePriorities(List.of(a0, new SampleKey("b", 1), new SampleKey("c", 2)), new double[] {7, 7, 7});
    assertEquals(2, dropped);
    assertEquals(1.0, store.priority(store.slot("a")));
    assertEquals(7.0, store.priority(store.slot("c")));
    assertEquals(2, store.counters().droppedUpdates);
    assertEquals(7.0, store.counters().maxSeen);
  }

  @Test
  void maxTimesSampledRemovesAnItemAndNeverOverdrawsIt() {
    StoreSettings s = new StoreSettings(4, 1.0, 1e-6, EvictionPolicy.FIFO, 2, 1000, 0.4, 100);
    PrioritizedStore store = new PrioritizedStore(s);
    store.insert(group("hot", 0, 0, 1), 1000.0, 0);
    store.insert(group("cold", 0, 0, 1), 0.001, 1);
    PrioritizedStore.Draw draw = store.sample(5, 1.0, Long.MAX_VALUE, new SplittableRandom(5));
    assertEquals(4, draw.slots().length, "both items used up: the draw comes out short");
    long hot = java.util.Arrays.stream(draw.slots()).filter(slot -> store.item(slot).id().equals("hot")).count();
    assertEquals(2, hot, "hot can be drawn only twice, then the draw moves on");
    store.recordSample(draw.keys());
    assertFalse(store.contains("hot"));
    assertFalse(store.contains("cold"));
    assertEquals(2, store.counters().removedAfterMaxSamples);
    assertEquals(0, store.size());
  }

  @Test
  void duplicatesAreIgnored() {
    PrioritizedStore store = new PrioritizedStore(settings(4, EvictionPolicy.FIFO));
    store.insert(group("a", 0, 0, 1), 1.0, 0);
    store.insert(group("a", 0, 0, 1), 5.0, 1);
    assertEquals(1, store.size());
    assertEquals(1.0, store.priority(store.slot("a")));
  }

  @Test
  void priorityFunctions() {
    EpisodeGroup spread = group("s", 0, 0, Map.of(), 1, 0, 1, 0);
    assertEquals(0.5, PriorityFunction.rewardSpread(0.01).priority(spread, 1), 1e-12);
    assertEquals(0.01, PriorityFunction.rewardSpread(0.01).priority(group("t", 0, 1, 1, 1), 1));
    assertEquals(3.5, PriorityFunction.maxSeen().priority(spread, 3.5));
    PriorityFunction improvement = PriorityFunction.improvementOverBaseline();
    assertEquals(0.001, improvement.priority(group("i", 0, 0, Map.of("valid", "false"), 1), 1));
    assertEquals(0.01, improvement.priority(group("i", 0, 0, Map.of("fallback_used", "true"), 1), 1));
    assertEquals(1.0, improvement.priority(group("i", 0, 0, Map.of("baseline_cost", "0", "cost", "5"), 1), 1));
    assertEquals(1.5, improvement.priority(group("i", 0, 0, Map.of("baseline_cost", "10", "cost", "5"), 1), 1));
    assertEquals(1.0, improvement.priority(group("i", 0, 0, Map.of("baseline_cost", "10", "cost", "12"), 1), 1));
    assertEquals(1.0, improvement.priority(group("i", 0, 0, Map.of("baseline_cost", "10"), 1), 1));
  }

  @Test
  void rateLimiterHoldsSamplersToTheRatio() {
    RateLimiter minSize = RateLimiter.minSize(3);
    assertFalse(minSize.canSample(2, 2, 0, 1));
    assertTrue(minSize.canSample(3, 3, 1000, 64));
    RateLimiter ratio = RateLimiter.sampleToInsertRatio(2.0, 2, 4.0);
    // minDiff = 2·2 − 4 = 0: samples may reach 2 per insert
    assertTrue(ratio.canSample(2, 2, 0, 4));
    assertFalse(ratio.canSample(2, 2, 0, 5));
    assertTrue(ratio.canSample(3, 3, 4, 2));
    assertTrue(ratio.whyWaiting(1, 1, 0, 1).contains("fewer than the 2 needed"));
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> RateLimiter.sampleToInsertRatio(2.0, 2, 3.0));
  }

  @Test
  void snapshotsRestoreSlotForSlot() throws Exception {
    StoreSettings s = new StoreSettings(5, 0.7, 1e-6, EvictionPolicy.LOWEST_PRIORITY, 3, 1000, 0.4, 100);
    PrioritizedStore store = new PrioritizedStore(s);
    for (int i = 0; i < 8; i++) {
      store.insert(group("g" + i, i, i % 3, Map.of("k", "v" + i), i, i + 1), 0.5 + i, i);
    }
    store.recordSample(store.sample(3, Double.NaN, Long.MAX_VALUE, new SplittableRandom(9)).keys());
    store.updatePriorities(List.of(new SampleKey("g7", 7), new SampleKey("g0", 0)), new double[] {0.2, 3});
    ReplaySnapshotSerializer serializer = new ReplaySnapshotSerializer(null);
    byte[] bytes = serializer.toBinary(store.snapshot());
    ReplaySnapshot read = (ReplaySnapshot) serializer.fromBinary(bytes, serializer.manifest(null));
    PrioritizedStore restored = PrioritizedStore.restore(s, read);
    assertStoresEqual(store, restored);
    // and they go on identically
    store.insert(group("x", 9, 2, 1), 4.0, 100);
    restored.insert(group("x", 9, 2, 1), 4.0, 100);
    assertArrayEquals(
        store.sample(6, Double.NaN, 1, new SplittableRandom(11)).slots(),
        restored.sample(6, Double.NaN, 1, new SplittableRandom(11)).slots());
  }

  @Test
  void theStalenessMaskFollowsEveryMoveOfTheBoundAndEveryChangeOfTheItems() {
    // the mask stays between draws: check each draw against the items' eligibility worked out afresh
    StoreSettings s = new StoreSettings(40, 1.0, 1e-6, EvictionPolicy.FIFO, 3, 3, 0.4, 100);
    PrioritizedStore store = new PrioritizedStore(s);
    SplittableRandom random = new SplittableRandom(5);
    long[] lags = {0, 1, 2, 5, Long.MAX_VALUE};
    int draws = 0;
    for (int step = 0; step < 4000; step++) {
      int op = random.nextInt(10);
      if (op < 4) {
        long newest = store.counters().newestVersion;
        long version = Math.max(0, newest + random.nextInt(-6, 2));
        store.insert(group("g" + step, version, 0, 1), 0.1 + 5 * random.nextDouble(), step);
      } else if (op < 6 && store.size() > 0) {
        int slot = presentSlot(store, random);
        store.updatePriorities(List.of(new SampleKey(store.item(slot).id(), store.seq(slot))),
            new double[] {0.1 + 5 * random.nextDouble()});
      } else {
        long lag = lags[random.nextInt(lags.length)];
        PrioritizedStore.Draw draw = store.sample(4, 1.0, lag, random);
        long threshold = lag == Long.MAX_VALUE ? Long.MIN_VALUE : store.counters().newestVersion - lag;
        double eligibleMass = 0;
        int eligible = 0;
        for (int slot = 0; slot < s.capacity(); slot++) {
          if (store.item(slot) != null && store.item(slot).adapterVersion() >= threshold) {
            eligibleMass += store.priority(slot);
            eligible++;
          }
        }
        if (eligible == 0) {
          assertNull(draw, "a draw with nothing eligible");
          continue;
        }
        draws++;
        double[] raw = new double[draw.slots().length];
        double max = 0;
        for (int i = 0; i < raw.length; i++) {
          int slot = draw.slots()[i];
          assertTrue(store.item(slot).adapterVersion() >= threshold, "a stale item was drawn");
          raw[i] = 1 / (eligible * store.priority(slot) / eligibleMass);
          max = Math.max(max, raw[i]);
        }
        for (int i = 0; i < raw.length; i++) {
          assertEquals(raw[i] / max, draw.weights()[i], 1e-9, "importance weight at step " + step);
        }
        if (random.nextBoolean()) {
          store.recordSample(draw.keys());
        }
      }
    }
    assertTrue(draws > 1000, "only " + draws + " draws");
  }

  private static int presentSlot(PrioritizedStore store, SplittableRandom random) {
    while (true) {
      int slot = random.nextInt(store.settings().capacity());
      if (store.item(slot) != null) {
        return slot;
      }
    }
  }

  static void assertStoresEqual(PrioritizedStore a, PrioritizedStore b) {
    assertEquals(a.size(), b.size());
    assertEquals(a.totalWeight(), b.totalWeight(), 0.0);
    for (int slot = 0; slot < a.settings().capacity(); slot++) {
      assertEquals(a.item(slot), b.item(slot), "slot " + slot);
      if (a.item(slot) != null) {
        assertEquals(a.priority(slot), b.priority(slot));
        assertEquals(a.timesSampled(slot), b.timesSampled(slot));
        assertEquals(a.seq(slot), b.seq(slot));
      }
    }
    PrioritizedStore.Counters ca = a.counters();
    PrioritizedStore.Counters cb = b.counters();
    assertEquals(
        List.of(ca.nextSeq, ca.newestVersion, ca.maxSeen, ca.inserts, ca.itemsSampled, ca.batchesSampled,
            ca.evicted, ca.evictedStale, ca.removedAfterMaxSamples, ca.droppedUpdates),
        List.of(cb.nextSeq, cb.newestVersion, cb.maxSeen, cb.inserts, cb.itemsSampled, cb.batchesSampled,
            cb.evicted, cb.evictedStale, cb.removedAfterMaxSamples, cb.droppedUpdates));
  }
}
