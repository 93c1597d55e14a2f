package io.swarmengine.testing;

import java.util.function.BooleanSupplier;

/** Waiting on a whole running engine (not an actor a probe could watch): polls a condition until a deadline. */
public final class Await {
  private Await() {}

  /** Returns once {@code condition} holds; fails the test after {@code seconds}. */
  public static void until(BooleanSupplier condition, int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within " + seconds + " s");
      }
      Thread.sleep(50);
    }
  }
}
