package io.swarmengine.metrics;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The CPU time of the JVM's own threads, which the Java API does not show: the JIT compilers and
 * the garbage collectors, read from Linux's {@code /proc/self/task/<tid>/stat} by thread name.
 * Each thread's time is remembered when read, so a compiler thread the JVM retires keeps what it
 * had spent at the last reading. Unavailable (every reading -1) off Linux.
 */
final class JvmThreadsCpu {
  /** Linux reports thread times in clock ticks of 1/USER_HZ s; USER_HZ is 100 on every Linux ABI. */
  private static final long NANOS_PER_TICK = 10_000_000L;
  private static final Path TASKS = Path.of("/proc/self/task");

  /** Readings between two re-checks of the threads found to be neither (Linux may reuse a thread id). */
  private static final int RECHECK_EVERY = 60;

  private final Map<String, Long> jitByThread = new HashMap<>();
  private final Map<String, Long> gcByThread = new HashMap<>();
  /** Thread ids whose names were neither a compiler's nor a collector's: not read again until the re-check. */
  private final Set<String> others = new HashSet<>();
  private final boolean available = Files.isDirectory(TASKS);
  private int readings;

  /** CPU nanoseconds of JIT compiler threads and of GC threads so far (each -1 where unavailable). */
  record Reading(long jitNanos, long gcNanos) {
    static final Reading UNAVAILABLE = new Reading(-1, -1);
  }

  synchronized Reading read() {
    if (!available) {
      return Reading.UNAVAILABLE;
    }
    if (++readings % RECHECK_EVERY == 0) {
      others.clear();
    }
    // the engine's and Akka's threads are most of the process's: one stat read each per re-check
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
      for (Path task : tasks) {
        String tid = task.getFileName().toString();
        if (!others.contains(tid)) {
          note(task, tid);
        }
      }
    } catch (IOException | RuntimeException e) {
      return Reading.UNAVAILABLE;
    }
    return new Reading(sum(jitByThread), sum(gcByThread));
  }

  private void note(Path task, String tid) {
    String stat;
    try {
      stat = Files.readString(task.resolve("stat"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return; // the thread ended between the listing and the read
    }
    // "tid (name) state ppid ...": the name may hold spaces and parentheses, so split after the last ')'
    int open = stat.indexOf('(');
    int close = stat.lastIndexOf(')');
    if (open < 0 || close < open) {
      return;
    }
    String name = stat.substring(open + 1, close);
    Map<String, Long> kind = isCompiler(name) ? jitByThread : isCollector(name) ? gcByThread : null;
    if (kind == null) {
      others.add(tid);
      return;
    }
    String[] fields = stat.substring(close + 2).split(" ");
    // fields[0] is the state (field 3 of proc(5)); utime and stime are fields 14 and 15
    long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    kind.merge(tid, ticks * NANOS_PER_TICK, Math::max);
  }

  /** HotSpot's compiler threads: "C1 CompilerThread0", "C2 CompilerThread1" (shown cut to 15 characters). */
  static boolean isCompiler(String name) {
    return name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre");
  }

  /** The collectors' threads: G1's and Parallel's workers ("GC Thread#0"), G1's concurrent ones, ZGC's, Shenandoah's. */
  static boolean isCollector(String name) {
    return name.startsWith("GC Thread") || name.startsWith("G1 ") || name.startsWith("ZWorker") || name.startsWith("ZDirector")
        || name.startsWith("ZDriver") || name.startsWith("Shenandoah");
  }

  private static long sum(Map<String, Long> byThread) {
    long total = 0;
    for (long nanos : byThread.values()) {
      total += nanos;
    }
    return total;
  }
}
