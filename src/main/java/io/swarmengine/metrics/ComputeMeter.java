package io.swarmengine.metrics;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.LongAdder;

/**
 * Where a run's CPU time goes: model compute (generation and training steps, counted by the
 * threads that do it), the JIT compilers and the garbage collectors (read by thread from Linux's
 * {@code /proc}), and the rest, which is the engine around the model (actors, journal, replay,
 * serialization, adapter files). Over the whole run since the meter was made, and over a recent
 * window (JIT compilation is mostly a start-up cost).
 */
public final class ComputeMeter {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private final LongAdder modelNanos = new LongAdder();
  private final JvmThreadsCpu jvm = new JvmThreadsCpu();
  private final long windowNanos;
  private final Reading start;
  private final ArrayDeque<Reading> readings = new ArrayDeque<>();

  private record Reading(long atNanos, long model, long process, JvmThreadsCpu.Reading jvm) {}

  /**
   * Shares of the process's CPU time over a span: model compute, JIT compilation, garbage
   * collection, and what is left, the engine's own work. NaN where unmeasured (JIT and GC off Linux).
   */
  public record CpuShares(double processSeconds, double model, double jit, double gc) {
    static final CpuShares UNMEASURED = new CpuShares(Double.NaN, Double.NaN, Double.NaN, Double.NaN);

    /** The share that is none of model compute, JIT and GC (NaN unless all three were measured). */
    public double engine() {
      return Math.max(0, 1 - model - jit - gc);
    }
  }

  /** A meter whose recent shares span about the last minute. */
  public ComputeMeter() {
    this(Duration.ofMinutes(1));
  }

  public ComputeMeter(Duration window) {
    this.windowNanos = window.toNanos();
    this.start = readNow();
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

  /** The shares since this meter was made. */
  public CpuShares wholeRun() {
    return between(start, readNow());
  }

  /** Notes the counters now (the engine does so once per metrics interval) for {@link #recent()}. */
  public synchronized void sample() {
    Reading now = readNow();
    readings.addLast(now);
    while (readings.size() > 2 && now.atNanos() - readings.peekFirst().atNanos() > windowNanos) {
      readings.removeFirst();
    }
  }

  /** The shares between the oldest sample in the window and the newest; unmeasured with fewer than two. */
  public synchronized CpuShares recent() {
    return readings.size() < 2 ? CpuShares.UNMEASURED : between(readings.peekFirst(), readings.peekLast());
  }

  private Reading readNow() {
    return new Reading(System.nanoTime(), modelCpuNanos(), processCpuNanos(), jvm.read());
  }

  private static CpuShares between(Reading from, Reading to) {
    if (from.process() < 0 || to.process() <= from.process()) {
      return CpuShares.UNMEASURED;
    }
    double process = to.process() - from.process();
    return new CpuShares(process / 1e9,
        Math.min(1.0, (to.model() - from.model()) / process),
        share(from.jvm().jitNanos(), to.jvm().jitNanos(), process),
        share(from.jvm().gcNanos(), to.jvm().gcNanos(), process));
  }

  private static double share(long from, long to, double process) {
    return from < 0 || to < 0 ? Double.NaN : Math.min(1.0, (to - from) / process);
  }

  private static long processCpuNanos() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return -1;
  }
}
