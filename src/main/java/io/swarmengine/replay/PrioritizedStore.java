package io.swarmengine.replay;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Prioritized experience replay in plain Java (Schaul et al.): items sit in slots; a sum tree over
 * {@code max(priority, floor)^alpha} gives stratified proportional sampling in O(log n) per draw,
 * and min trees over insert sequence, priority and adapter version give FIFO, lowest-priority and
 * staleness-first eviction in O(log n). Not thread-safe: the {@link Replay} actor owns one.
 *
 * <p>Mutations ({@link #insert}, {@link #recordSample}, {@link #updatePriorities}) are
 * deterministic, so applying the same journaled events rebuilds the same store. {@link #sample}
 * changes nothing of that state: it only moves the staleness mask, which keeps items more than
 * {@code maxLag} versions behind out of the sampling tree. The mask stays in place between draws
 * and moves by the items that cross it, so each item is masked about once in its life instead of
 * on every draw (a full replay of 100,000 groups would otherwise be walked twice per sample).
 */
public final class PrioritizedStore {

  /** A sample: slots drawn (repeats possible), their importance weights and keys. */
  public record Draw(int[] slots, double[] weights, List<SampleKey> keys, double beta) {}

  private final StoreSettings settings;
  /** {@code max(priority, floor)^alpha} of the items the staleness mask lets through (others 0). */
  private final SumTree weights;
  /** The same weights for every item: the whole sampling mass. */
  private final SumTree allWeights;
  private final MinTree bySeq;
  private final MinTree byPriority;
  private final MinTree byVersion;
  /** Versions of the items at or above the mask ({@code +∞} for the others). */
  private final MinTree unmaskedVersions;
  /** Negated versions of the items below the mask ({@code +∞} for the others). */
  private final MinTree maskedNegatedVersions;
  /** Items with a version below this are masked as stale; {@code Long.MIN_VALUE}: none. */
  private long maskedBelow = Long.MIN_VALUE;
  private int maskedCount;
  private final EpisodeGroup[] items;
  /** items[slot].id(), kept beside it so that sampling builds keys without touching the items. */
  private final String[] ids;
  private final long[] seqs;
  private final double[] priorities;
  private final int[] timesSampled;
  private final long[] versions;
  private final Map<String, Integer> slotOf;
  private final int[] freeSlots;
  private int freeCount;
  private int size;

  private final Counters counters = new Counters();

  /** Running totals, all part of the durable state. */
  public static final class Counters {
    long nextSeq;
    long newestVersion;
    double maxSeen = 1.0;
    long inserts;
    long itemsSampled;
    long batchesSampled;
    long evicted;
    long evictedStale;
    long removedAfterMaxSamples;
    long droppedUpdates;
  }

  public PrioritizedStore(StoreSettings settings) {
    this.settings = settings;
    int n = settings.capacity();
    weights = new SumTree(n);
    allWeights = new SumTree(n);
    bySeq = new MinTree(n);
    byPriority = new MinTree(n);
    byVersion = new MinTree(n);
    unmaskedVersions = new MinTree(n);
    maskedNegatedVersions = new MinTree(n);
    items = new EpisodeGroup[n];
    ids = new String[n];
    seqs = new long[n];
    priorities = new double[n];
    timesSampled = new int[n];
    versions = new long[n];
    slotOf = new HashMap<>(Math.min(n, 1 << 16));
    freeSlots = new int[n];
    for (int i = 0; i < n; i++) {
      freeSlots[i] = n - 1 - i; // slot 0 is handed out first
    }
    freeCount = n;
  }

  public StoreSettings settings() {
    return settings;
  }

  // ---- mutations: the event handler's ----

  /**
   * Inserts {@code group} with {@code priority} as copy {@code seq}; a full store first evicts an
   * item (the stalest beyond the eviction lag, else by policy). Returns the evicted item's id, or
   * null. A group whose id is present is ignored (the caller acknowledges it as a duplicate).
   */
  public String insert(EpisodeGroup group, double priority, long seq) {
    if (slotOf.containsKey(group.id())) {
      return null;
    }
    String evicted = null;
    int slot;
    if (size == settings.capacity()) {
      // the victim's slot takes the new item: each tree is updated once, not cleared and set
      slot = victim();
      evicted = ids[slot];
      counters.evicted++;
      slotOf.remove(evicted);
      if (masked(slot)) {
        maskedCount--;
      }
      size--;
    } else {
      slot = freeSlots[--freeCount];
    }
    items[slot] = group;
    ids[slot] = group.id();
    seqs[slot] = seq;
    versions[slot] = group.adapterVersion();
    timesSampled[slot] = 0;
    if (masked(slot)) {
      maskedCount++;
      unmaskedVersions.clear(slot);
      maskedNegatedVersions.set(slot, -group.adapterVersion());
    } else {
      unmaskedVersions.set(slot, group.adapterVersion());
      maskedNegatedVersions.clear(slot);
    }
    setPriority(slot, priority);
    bySeq.set(slot, seq);
    if (byVersion.get(slot) != group.adapterVersion()) {
      byVersion.set(slot, group.adapterVersion());
    }
    slotOf.put(group.id(), slot);
    size++;
    counters.inserts++;
    counters.nextSeq = Math.max(counters.nextSeq, seq + 1);
    counters.newestVersion = Math.max(counters.newestVersion, group.adapterVersion());
    return evicted;
  }

  private int victim() {
    int stalest = byVersion.argMin();
    if (versions[stalest] < counters.newestVersion - settings.evictionLag()) {
      counters.evictedStale++;
      return stalest;
    }
    return settings.eviction() == EvictionPolicy.FIFO ? bySeq.argMin() : byPriority.argMin();
  }

  private void setPriority(int slot, double priority) {
    priorities[slot] = priority;
    counters.maxSeen = Math.max(counters.maxSeen, priority);
    double weight = weightOf(priority);
    allWeights.set(slot, weight);
    weights.set(slot, masked(slot) ? 0 : weight);
    byPriority.set(slot, priority);
  }

  private boolean masked(int slot) {
    return versions[slot] < maskedBelow;
  }

  private double weightOf(double priority) {
    return Math.pow(Math.max(priority, settings.priorityFloor()), settings.alpha());
  }

  private void remove(int slot) {
    slotOf.remove(ids[slot]);
    if (masked(slot)) {
      maskedCount--;
    }
    items[slot] = null;
    ids[slot] = null;
    weights.set(slot, 0);
    allWeights.set(slot, 0);
    bySeq.clear(slot);
    byPriority.clear(slot);
    byVersion.clear(slot);
    unmaskedVersions.clear(slot);
    maskedNegatedVersions.clear(slot);
    freeSlots[freeCount++] = slot;
    size--;
  }

  /**
   * Counts a delivered sample: each key whose copy is still present is sampled once more, and
   * removed when it reaches {@code maxTimesSampled}.
   */
  public void recordSample(List<SampleKey> keys) {
    for (SampleKey key : keys) {
      int slot = slotOf(key);
      if (slot < 0) {
        continue;
      }
      timesSampled[slot]++;
      if (settings.maxTimesSampled() > 0 && timesSampled[slot] >= settings.maxTimesSampled()) {
        counters.removedAfterMaxSamples++;
        remove(slot);
      }
    }
    counters.itemsSampled += keys.size();
    counters.batchesSampled++;
  }

  /** Sets the priorities of the keys still present; returns how many were dropped as stale. */
  public int updatePriorities(List<SampleKey> keys, double[] newPriorities) {
    int dropped = 0;
    for (int i = 0; i < keys.size(); i++) {
      int slot = slotOf(keys.get(i));
      if (slot < 0) {
        dropped++;
      } else {
        setPriority(slot, newPriorities[i]);
      }
    }
    counters.droppedUpdates += dropped;
    return dropped;
  }

  private int slotOf(SampleKey key) {
    Integer slot = slotOf.get(key.id());
    return slot != null && seqs[slot] == key.insertSeq() ? slot : -1;
  }

  // ---- reads ----

  public boolean contains(String id) {
    return slotOf.containsKey(id);
  }

  public int size() {
    return size;
  }

  public EpisodeGroup item(int slot) {
    return items[slot];
  }

  public double priority(int slot) {
    return priorities[slot];
  }

  public int timesSampled(int slot) {
    return timesSampled[slot];
  }

  public long seq(int slot) {
    return seqs[slot];
  }

  /** The slot of a present item, or -1. */
  public int slot(String id) {
    Integer slot = slotOf.get(id);
    return slot == null ? -1 : slot;
  }

  public Counters counters() {
    return counters;
  }

  /** The sum of {@code max(priority, floor)^alpha} over the items: the sampling mass. */
  public double totalWeight() {
    return allWeights.total();
  }

  /** beta at the current batch count: {@code beta0} rising linearly to 1 over the horizon. */
  public double annealedBeta() {
    double progress = Math.min(1.0, (double) counters.batchesSampled / settings.betaHorizon());
    return settings.beta0() + (1 - settings.beta0()) * progress;
  }

  /**
   * Draws {@code n} items, one from each of {@code n} equal slices of the sampling mass, among items
   * at most {@code maxLag} versions behind the newest; an item that reaches
   * {@code maxTimesSampled} during the draw is not drawn again (so the draw can come out shorter
   * than {@code n} when every eligible item is used up). Importance weights are
   * {@code (N·P(i))^-beta} divided by the batch's largest. {@code beta} NaN means annealed.
   *
   * @return the draw, or null when no item may be sampled
   */
  public Draw sample(int n, double beta, long maxLag, SplittableRandom random) {
    double b = Double.isNaN(beta) ? annealedBeta() : beta;
    moveMask(maxLag < 0 ? Long.MIN_VALUE : counters.newestVersion - maxLag);
    int eligible = size - maskedCount;
    if (eligible <= 0 || weights.total() <= 0) {
      return null;
    }
    double total = weights.total();
    if (settings.maxTimesSampled() == 0) {
      return weigh(drawStratified(n, total, random), total, eligible, b);
    }
    int[] slots = new int[n];
    double[] probabilities = new double[n];
    Map<Integer, Integer> drawsOf = new HashMap<>();
    List<Integer> exhausted = new ArrayList<>();
    List<Double> exhaustedWeights = new ArrayList<>();
    int drawn = 0;
    try {
      for (int i = 0; i < n; i++) {
        double sliceTotal = weights.total();
        if (sliceTotal <= 0) {
          break; // every eligible item reached maxTimesSampled in this draw
        }
        double slice = sliceTotal / n;
        int slot = weights.find(Math.min(slice * (i + random.nextDouble()), Math.nextDown(sliceTotal)));
        slots[i] = slot;
        probabilities[i] = weights.get(slot) / total;
        int draws = drawsOf.merge(slot, 1, Integer::sum);
        if (settings.maxTimesSampled() > 0
            && timesSampled[slot] + draws >= settings.maxTimesSampled()) {
          exhausted.add(slot);
          exhaustedWeights.add(weights.get(slot));
          weights.set(slot, 0);
        }
        drawn++;
      }
    } finally {
      for (int i = 0; i < exhausted.size(); i++) {
        weights.set(exhausted.get(i), exhaustedWeights.get(i));
      }
    }
    return weigh(Arrays.copyOf(slots, drawn), Arrays.copyOf(probabilities, drawn), eligible, b);
  }

  /**
   * Masks exactly the items with a version below {@code threshold}: those that crossed since the
   * last move leave the sampling tree, those a lower threshold lets back in return to it. Costs
   * O(k log n) for the k items that cross, nothing when the threshold stays.
   */
  private void moveMask(long threshold) {
    if (threshold > maskedBelow) {
      int[] crossing = unmaskedVersions.slotsBelow(threshold);
      for (int slot : crossing) {
        weights.set(slot, 0);
        unmaskedVersions.clear(slot);
        maskedNegatedVersions.set(slot, -versions[slot]);
      }
      maskedCount += crossing.length;
    } else if (threshold < maskedBelow) {
      // version >= threshold, as integers: -version < -threshold + 1/2
      int[] crossing = maskedNegatedVersions.slotsBelow(0.5 - (double) threshold);
      for (int slot : crossing) {
        weights.set(slot, allWeights.get(slot));
        maskedNegatedVersions.clear(slot);
        unmaskedVersions.set(slot, versions[slot]);
      }
      maskedCount -= crossing.length;
    }
    maskedBelow = threshold;
  }

  /** One draw in each of {@code n} equal slices of the mass, all descents at once. */
  private int[] drawStratified(int n, double total, SplittableRandom random) {
    double slice = total / n;
    double last = Math.nextDown(total);
    double[] prefixes = new double[n];
    for (int i = 0; i < n; i++) {
      prefixes[i] = Math.min(slice * (i + random.nextDouble()), last);
    }
    int[] slots = new int[n];
    weights.findAll(prefixes, slots);
    return slots;
  }

  private Draw weigh(int[] slots, double total, int eligible, double beta) {
    double[] probabilities = new double[slots.length];
    for (int i = 0; i < slots.length; i++) {
      probabilities[i] = weights.get(slots[i]) / total;
    }
    return weigh(slots, probabilities, eligible, beta);
  }

  /** Importance weights {@code (N·P(i))^-beta}, divided by the batch's largest, and the keys. */
  private Draw weigh(int[] slots, double[] probabilities, int eligible, double beta) {
    double[] w = new double[slots.length];
    double maxW = 0;
    for (int i = 0; i < slots.length; i++) {
      w[i] = Math.pow(eligible * probabilities[i], -beta);
      maxW = Math.max(maxW, w[i]);
    }
    List<SampleKey> keys = new ArrayList<>(slots.length);
    for (int i = 0; i < slots.length; i++) {
      w[i] /= maxW;
      keys.add(new SampleKey(ids[slots[i]], seqs[slots[i]]));
    }
    return new Draw(slots, w, keys, beta);
  }

  /** How many present items are more than {@code maxLag} versions behind the newest. */
  public int staleCount(long maxLag) {
    long threshold = counters.newestVersion - maxLag;
    int[] count = {0};
    if (threshold > 0) {
      byVersion.forEachBelow(threshold, slot -> count[0]++);
    }
    return count[0];
  }

  // ---- snapshots ----

  /** A copy of everything, for a snapshot taken while the store goes on changing. */
  public ReplaySnapshot snapshot() {
    ReplaySnapshot.Totals t =
        new ReplaySnapshot.Totals(
            counters.nextSeq,
            counters.newestVersion,
            counters.maxSeen,
            counters.inserts,
            counters.itemsSampled,
            counters.batchesSampled,
            counters.evicted,
            counters.evictedStale,
            counters.removedAfterMaxSamples,
            counters.droppedUpdates);
    return new ReplaySnapshot(
        settings.capacity(),
        items.clone(),
        seqs.clone(),
        priorities.clone(),
        timesSampled.clone(),
        Arrays.copyOf(freeSlots, freeCount),
        t);
  }

  /**
   * Rebuilds the store a snapshot was taken of, slot for slot. Under a different capacity the items
   * are inserted again in their insert order instead (evicting as a full store would), keeping
   * their priorities, sequences and sample counts.
   */
  public static PrioritizedStore restore(StoreSettings settings, ReplaySnapshot s) {
    if (s.capacity() != settings.capacity()) {
      return resized(settings, s);
    }
    PrioritizedStore store = new PrioritizedStore(settings);
    int n = settings.capacity();
    double[] weightLeaves = new double[n];
    double[] seqKeys = new double[n];
    double[] priorityKeys = new double[n];
    double[] versionKeys = new double[n];
    Arrays.fill(seqKeys, Double.POSITIVE_INFINITY);
    Arrays.fill(priorityKeys, Double.POSITIVE_INFINITY);
    Arrays.fill(versionKeys, Double.POSITIVE_INFINITY);
    for (int slot = 0; slot < n; slot++) {
      EpisodeGroup g = s.items()[slot];
      if (g == null) {
        continue;
      }
      store.items[slot] = g;
      store.ids[slot] = g.id();
      store.seqs[slot] = s.seqs()[slot];
      store.priorities[slot] = s.priorities()[slot];
      store.timesSampled[slot] = s.timesSampled()[slot];
      store.versions[slot] = g.adapterVersion();
      store.slotOf.put(g.id(), slot);
      weightLeaves[slot] = store.weightOf(s.priorities()[slot]);
      seqKeys[slot] = s.seqs()[slot];
      priorityKeys[slot] = s.priorities()[slot];
      versionKeys[slot] = g.adapterVersion();
      store.size++;
    }
    store.weights.build(weightLeaves);
    store.allWeights.build(weightLeaves);
    store.unmaskedVersions.build(versionKeys);
    store.bySeq.build(seqKeys);
    store.byPriority.build(priorityKeys);
    store.byVersion.build(versionKeys);
    System.arraycopy(s.freeSlots(), 0, store.freeSlots, 0, s.freeSlots().length);
    store.freeCount = s.freeSlots().length;
    store.restoreCounters(s.totals());
    return store;
  }

  private static PrioritizedStore resized(StoreSettings settings, ReplaySnapshot s) {
    PrioritizedStore store = new PrioritizedStore(settings);
    Integer[] order = new Integer[s.capacity()];
    int n = 0;
    for (int slot = 0; slot < s.capacity(); slot++) {
      if (s.items()[slot] != null) {
        order[n++] = slot;
      }
    }
    Arrays.sort(order, 0, n, (a, b) -> Long.compare(s.seqs()[a], s.seqs()[b]));
    for (int i = 0; i < n; i++) {
      int from = order[i];
      store.insert(s.items()[from], s.priorities()[from], s.seqs()[from]);
      int slot = store.slot(s.items()[from].id());
      store.timesSampled[slot] = s.timesSampled()[from];
    }
    long evictedNow = store.counters.evicted;
    long staleNow = store.counters.evictedStale;
    store.restoreCounters(s.totals());
    store.counters.evicted += evictedNow;
    store.counters.evictedStale += staleNow;
    return store;
  }

  private void restoreCounters(ReplaySnapshot.Totals t) {
    Counters c = counters;
    c.nextSeq = t.nextSeq();
    c.newestVersion = t.newestVersion();
    c.maxSeen = t.maxSeen();
    c.inserts = t.inserts();
    c.itemsSampled = t.itemsSampled();
    c.batchesSampled = t.batchesSampled();
    c.evicted = t.evicted();
    c.evictedStale = t.evictedStale();
    c.removedAfterMaxSamples = t.removedAfterMaxSamples();
    c.droppedUpdates = t.droppedUpdates();
  }
}
