package io.swarmengine.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
    double afterCounted = meter.wholeRun().model();
    assertTrue(meter.modelCpuNanos() >= 200_000_000L, "counted " + meter.modelCpuNanos());
    assertTrue(afterCounted > 0 && afterCounted <= 1, "share " + afterCounted);

    spin(200_000_000L); // not counted
    double afterUncounted = meter.wholeRun().model();
    assertTrue(afterUncounted < afterCounted, afterCounted + " then " + afterUncounted);
    assertTrue(meter.wholeRun().processSeconds() >= 0.4, "process CPU " + meter.wholeRun().processSeconds());
  }

  @Test
  void theRecentShareSeesOnlyItsWindow() {
    assumeTrue(ComputeMeter.threadCpuNanos() >= 0, "this JVM does not measure thread CPU time");
    ComputeMeter meter = new ComputeMeter(java.time.Duration.ofDays(1));
    meter.sample();
    assertTrue(Double.isNaN(meter.recent().model()), "one sample spans nothing");
    spin(100_000_000L); // not counted: the whole-run share starts low
    meter.sample();
    long counted = ComputeMeter.threadCpuNanos();
    spin(200_000_000L);
    meter.addSince(counted);
    meter.sample();
    double recent = meter.recent().model();
    assertTrue(recent > 0 && recent <= 1, "recent " + recent);

    ComputeMeter shortWindow = new ComputeMeter(java.time.Duration.ZERO);
    shortWindow.sample();
    spin(100_000_000L);
    shortWindow.sample();
    counted = ComputeMeter.threadCpuNanos();
    spin(200_000_000L);
    shortWindow.addSince(counted);
    shortWindow.sample(); // the window keeps the last two samples only: the uncounted spin is out of it
    assertTrue(shortWindow.recent().model() > shortWindow.wholeRun().model(),
        "recent " + shortWindow.recent() + ", whole run " + shortWindow.wholeRun());
  }

  @Test
  void nothingMeasuredYetIsNotANumberOrZero() {
    ComputeMeter meter = new ComputeMeter();
    double share = meter.wholeRun().model();
    assertTrue(Double.isNaN(share) || share == 0, "share " + share);
    meter.add(-5); // a failed measurement counts nothing
    assertTrue(meter.modelCpuNanos() == 0);
  }

  @Test
  void theSharesLeaveTheEngineWhatModelJitAndGcDidNotTake() {
    ComputeMeter.CpuShares s = new ComputeMeter.CpuShares(10, 0.7, 0.2, 0.05);
    assertEquals(0.05, s.engine(), 1e-12);
    assertEquals(0.0, new ComputeMeter.CpuShares(10, 0.9, 0.1, 0.01).engine(), 1e-12, "rounding never makes it negative");
    assertTrue(Double.isNaN(new ComputeMeter.CpuShares(10, 0.7, Double.NaN, Double.NaN).engine()), "unknown off Linux");
  }
}
