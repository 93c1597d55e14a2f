package io.swarmengine.metrics;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

/** Model compute is what the counting threads report; everything else the process does dilutes its share. */
class ComputeMeterTest {
  private static double spin(long nanos) {
    long start = ComputeMeter.threadCpuNanos();
    double x = 0;
    while (ComputeMeter.threadCpuNanos() - start < nanos) {
      for (int i = 0; i < 10_000; i++) {
        x += Math.sqrt(i + x);
      }
    }
    return x;
  }

  @Test
  void countedWorkRaisesTheShareAndUncountedWorkLowersIt() {
    assumeTrue(ComputeMeter.threadCpuNanos() >= 0, "this JVM does not measure thread CPU time");
    ComputeMeter meter = new ComputeMeter();
    long counted = ComputeMeter.threadCpuNanos();
    spin(200_000_000L);
    meter.addSince(counted);
    double afterCounted = meter.modelShare();
    assertTrue(meter.modelCpuNanos() >= 200_000_000L, "counted " + meter.modelCpuNanos());
    assertTrue(afterCounted > 0 && afterCounted <= 1, "share " + afterCounted);

    spin(200_000_000L); // not counted
    double afterUncounted = meter.modelShare();
    assertTrue(afterUncounted < afterCounted, afterCounted + " then " + afterUncounted);
    assertTrue(meter.processCpuNanosSinceStart() >= 400_000_000L);
  }

  @Test
  void theRecentShareSeesOnlyItsWindow() {
    assumeTrue(ComputeMeter.threadCpuNanos() >= 0, "this JVM does not measure thread CPU time");
    ComputeMeter meter = new ComputeMeter(java.time.Duration.ofDays(1));
    meter.sample();
    assertTrue(Double.isNaN(meter.recentShare()), "one sample spans nothing");
    spin(100_000_000L); // not counted: the whole-run share starts low
    meter.sample();
    long counted = ComputeMeter.threadCpuNanos();
    spin(200_000_000L);
    meter.addSince(counted);
    meter.sample();
    assertTrue(meter.recentShare() > 0 && meter.recentShare() <= 1, "recent " + meter.recentShare());

    ComputeMeter shortWindow = new ComputeMeter(java.time.Duration.ZERO);
    shortWindow.sample();
    spin(100_000_000L);
    shortWindow.sample();
    counted = ComputeMeter.threadCpuNanos();
    spin(200_000_000L);
    shortWindow.addSince(counted);
    shortWindow.sample(); // the window keeps the last two samples only: the uncounted spin is out of it
    assertTrue(shortWindow.recentShare() > shortWindow.modelShare(),
        "recent " + shortWindow.recentShare() + ", whole run " + shortWindow.modelShare());
  }

  @Test
  void nothingMeasuredYetIsNotANumberOrZero() {
    ComputeMeter meter = new ComputeMeter();
    double share = meter.modelShare();
    assertTrue(Double.isNaN(share) || share == 0, "share " + share);
    meter.add(-5); // a failed measurement counts nothing
    assertTrue(meter.modelCpuNanos() == 0);
  }
}
