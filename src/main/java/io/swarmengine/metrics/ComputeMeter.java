package io.swarmengine.metrics;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayDeque;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.atomic.LongAdder;

/**
 * The CPU time a run spends in model compute (generation and training steps, counted by the
 * threads that do it) against the whole process's CPU time: the rest is what the engine costs
 * around the model (actors, journal, replay, serialization, JIT compilation, GC). Over the whole
 * run since the meter was made, and over a recent window (JIT compilation is mostly a start-up cost).
 */
public final class ComputeMeter {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private final LongAdder modelNanos = new LongAdder();
  private final long processStart = processCpuNanos();
  private final long windowNanos;
  private final ArrayDeque<Reading> readings = new ArrayDeque<>();

  private record Reading(long atNanos, long model, long process) {}

  /** A meter whose recent share spans about the last minute. */
  public ComputeMeter() {
    this(Duration.ofMinutes(1));
  }

  public ComputeMeter(Duration window) {
    this.windowNanos = window.toNanos();
  }

  /** The calling thread's CPU time in nanoseconds, or -1 where the JVM cannot tell. */
  public static long threadCpuNanos() {
    return THREADS.isCurrentThreadCpuTimeSupported() ? THREADS.getCurrentThreadCpuTime() : -1;
  }

  /** Counts the calling thread's CPU time since {@code threadCpuNanos()} returned {@code since}. */
  public void addSince(long since) {
    if (since >= 0) {
      add(threadCpuNanos() - since);
    }
  }

  /** Counts CPU time measured elsewhere (a training step's shards, each on its own thread). */
  public void add(long nanos) {
    if (nanos > 0) {
      modelNanos.add(nanos);
    }
  }

  public long modelCpuNanos() {
    return modelNanos.sum();
  }

  /** The process's CPU time since this meter was made, or -1 where the JVM cannot tell. */
  public long processCpuNanosSinceStart() {
    long now = processCpuNanos();
    return now < 0 || processStart < 0 ? -1 : now - processStart;
  }

  /** Model compute's share of the process's CPU time so far; NaN before any or where unmeasurable. */
  public double modelShare() {
    return share(modelCpuNanos(), processCpuNanosSinceStart());
  }

  /** Notes the counters now (the engine does so once per metrics interval) for {@link #recentShare()}. */
  public synchronized void sample() {
    Reading now = new Reading(System.nanoTime(), modelCpuNanos(), processCpuNanosSinceStart());
    readings.addLast(now);
    while (readings.size() > 2 && now.atNanos() - readings.peekFirst().atNanos() > windowNanos) {
      readings.removeFirst();
    }
  }

  /** Model compute's share between the oldest sample in the window and the newest; NaN with fewer than two. */
  public synchronized double recentShare() {
    if (readings.size() < 2) {
      return Double.NaN;
    }
    Reading first = readings.peekFirst();
    Reading last = readings.peekLast();
    return share(last.model() - first.model(), first.process() < 0 ? -1 : last.process() - first.process());
  }

  private static double share(long model, long process) {
    return process <= 0 ? Double.NaN : Math.min(1.0, (double) model / process);
  }

  private static long processCpuNanos() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return -1;
  }
}
