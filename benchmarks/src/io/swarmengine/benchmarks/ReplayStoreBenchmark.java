package io.swarmengine.benchmarks;

import io.swarmengine.replay.EpisodeGroup;
import io.swarmengine.replay.EvictionPolicy;
import io.swarmengine.replay.PrioritizedStore;
import io.swarmengine.replay.StoreSettings;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The prioritized store alone, one thread, full at a capacity of one million: items sampled per
 * second (stratified batches of 64, alpha 0.6, importance weights) and inserts per second into
 * the full store (each evicts one item, FIFO or lowest priority). {@code sampleWithinLag} samples
 * as a live run's trainer does: the store holds 1,000 adapter versions (1,000 items each) and a
 * draw may only take items at most 4 versions behind the newest, so all but 5,000 are masked.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgs = {"-Xms3g", "-Xmx3g"})
@Threads(1)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
public class ReplayStoreBenchmark {
  static final int CAPACITY = 1_000_000;
  static final int BATCH = 64;

  @Param({"FIFO", "LOWEST_PRIORITY"})
  public EvictionPolicy eviction;

  private PrioritizedStore store;
  private EpisodeGroup[] fresh;
  private int nextFresh;
  private long seq;
  private final SplittableRandom random = new SplittableRandom(1);

  @Setup(Level.Trial)
  public void fill() {
    store = new PrioritizedStore(new StoreSettings(CAPACITY, 0.6, 0.01, eviction, 0, 1000, 0.4, 10_000));
    // one shared payload: the store's own cost is what is measured
    EpisodeGroup payload = BenchGroups.group(0, 4);
    fresh = new EpisodeGroup[2 * CAPACITY];
    for (int i = 0; i < fresh.length; i++) {
      fresh[i] =
          new EpisodeGroup("g" + i, i, "bench", 0, payload.episodes(), payload.metadata(), 0);
    }
    for (int i = 0; i < CAPACITY; i++) {
      store.insert(fresh[i], 0.01 + random.nextDouble() * 10, seq++);
    }
    nextFresh = CAPACITY;
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public PrioritizedStore.Draw sample() {
    return store.sample(BATCH, Double.NaN, Long.MAX_VALUE, random);
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public PrioritizedStore.Draw sampleWithinLag(Versioned versioned) {
    return versioned.store.sample(BATCH, Double.NaN, 4, random);
  }

  /** A full store whose items span 1,000 adapter versions. */
  @State(Scope.Thread)
  public static class Versioned {
    PrioritizedStore store;

    @Setup(Level.Trial)
    public void fill() {
      store = new PrioritizedStore(new StoreSettings(CAPACITY, 0.6, 0.01, EvictionPolicy.FIFO, 0, 1000, 0.4, 10_000));
      EpisodeGroup payload = BenchGroups.group(0, 4);
      SplittableRandom random = new SplittableRandom(2);
      for (int i = 0; i < CAPACITY; i++) {
        EpisodeGroup g = new EpisodeGroup("g" + i, i, "bench", i / 1000, payload.episodes(), payload.metadata(), 0);
        store.insert(g, 0.01 + random.nextDouble() * 10, i);
      }
    }
  }

  @Benchmark
  public String insert() {
    EpisodeGroup g = fresh[nextFresh];
    nextFresh = nextFresh + 1 == fresh.length ? 0 : nextFresh + 1;
    return store.insert(g, 0.01 + random.nextDouble() * 10, seq++);
  }
}
