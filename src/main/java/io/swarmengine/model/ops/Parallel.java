package io.swarmengine.model.ops;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;

/**
 * Splits a loop over {@code [0, n)} into chunks run on a pool. Kernels parallelise over rows whose
 * outputs do not overlap, so no two chunks ever write the same element and results do not depend
 * on the number of threads.
 */
public final class Parallel {
  /** A loop body over {@code [from, to)}. */
  @FunctionalInterface
  public interface Range {
    void run(int from, int to);
  }

  private final ForkJoinPool pool;

  public Parallel(ForkJoinPool pool) {
    this.pool = pool;
  }

  /** One thread: everything runs in the caller. */
  public static Parallel sequential() {
    return new Parallel(null);
  }

  public int threads() {
    return pool == null ? 1 : pool.getParallelism();
  }

  /** Runs {@code body} over {@code [0, n)}, split into about four chunks per thread. */
  public void forRange(int n, int minChunk, Range body) {
    int threads = threads();
    if (pool == null || threads == 1 || n <= minChunk) {
      body.run(0, n);
      return;
    }
    int chunk = Math.max(minChunk, (n + threads * 4 - 1) / (threads * 4));
    pool.invoke(new Split(0, n, chunk, body));
  }

  private static final class Split extends RecursiveAction {
    private final int from;
    private final int to;
    private final int chunk;
    private final Range body;

    Split(int from, int to, int chunk, Range body) {
      this.from = from;
      this.to = to;
      this.chunk = chunk;
      this.body = body;
    }

    @Override
    protected void compute() {
      if (to - from <= chunk) {
        body.run(from, to);
        return;
      }
      int mid = (from + to) >>> 1;
      invokeAll(new Split(from, mid, chunk, body), new Split(mid, to, chunk, body));
    }
  }
}
