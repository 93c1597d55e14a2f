package io.swarmengine.metrics;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class JvmThreadsCpuTest {
  @Test
  void threadsAreToldApartByTheirNames() {
    assertTrue(JvmThreadsCpu.isCompiler("C2 CompilerThre"));
    assertTrue(JvmThreadsCpu.isCompiler("C1 CompilerThre"));
    assertTrue(JvmThreadsCpu.isCollector("GC Thread#1"));
    assertTrue(JvmThreadsCpu.isCollector("G1 Conc#0"));
    assertTrue(JvmThreadsCpu.isCollector("G1 Refine#0"));
    assertFalse(JvmThreadsCpu.isCompiler("swarm-akka.acto"));
    assertFalse(JvmThreadsCpu.isCollector("main"));
    assertFalse(JvmThreadsCpu.isCollector("VM Thread"));
  }

  @Test
  void onLinuxTheCompilersAndCollectorsAreFoundAndTheirTimeOnlyGrows() {
    assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "the JVM's own threads are read from Linux's /proc");
    JvmThreadsCpu jvm = new JvmThreadsCpu();
    JvmThreadsCpu.Reading before = jvm.read();
    assertTrue(before.jitNanos() > 0, "a JVM that ran JUnit has compiled something: " + before);
    // a live set of many small objects makes each full collection's marking take a while
    Object[] live = new Object[2_000_000];
    for (int i = 0; i < live.length; i++) {
      live[i] = new byte[16];
    }
    JvmThreadsCpu.Reading after = before;
    for (int i = 0; i < 20 && after.gcNanos() <= before.gcNanos(); i++) {
      System.gc();
      after = jvm.read();
    }
    assertTrue(live[live.length - 1] != null);
    assertTrue(after.gcNanos() > before.gcNanos(), before + " then " + after);
    assertTrue(after.jitNanos() >= before.jitNanos(), before + " then " + after);
  }
}
