package io.swarmengine.scheduler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Expected values were printed by seed 002's Python schedulers (CPython 3.11). */
class SchedulerTest {

  private static int[] budgets(ScheduleMode mode, int max, int min, int total, int steps) {
    BudgetScheduler s = new BudgetScheduler(mode, max, min, total);
    int[] out = new int[steps];
    for (int i = 0; i < steps; i++) {
      out[i] = s.step();
    }
    return out;
  }

  @Test
  void linearMatchesTheSeedIncludingHalfToEvenRounding() {
    // step 2 of (8, 2, 8) is exactly 6.5, which Python's round takes to 6
    assertArrayEquals(new int[] {7, 6, 6, 5, 4, 4, 3, 2, 2, 2}, budgets(ScheduleMode.LINEAR, 8, 2, 8, 10));
    assertArrayEquals(new int[] {2, 2, 2, 2}, budgets(ScheduleMode.LINEAR, 3, 2, 2, 4));
    assertArrayEquals(
        new int[] {9, 7, 6, 5, 4, 2, 1, 1, 1}, budgets(ScheduleMode.LINEAR, 10, 1, 7, 9));
    assertArrayEquals(new int[] {4, 2, 1, 0, 0, 0}, budgets(ScheduleMode.LINEAR, 5, 0, 4, 6));
    assertArrayEquals(
        new int[] {8, 8, 8, 7, 6, 6, 6, 5, 4, 4, 4, 3, 3, 3},
        budgets(ScheduleMode.LINEAR, 9, 3, 12, 14));
  }

  @Test
  void cosineMatchesTheSeed() {
    assertArrayEquals(new int[] {8, 7, 6, 5, 4, 3, 2, 2, 2, 2}, budgets(ScheduleMode.COSINE, 8, 2, 8, 10));
    assertArrayEquals(new int[] {2, 2, 2, 2}, budgets(ScheduleMode.COSINE, 3, 2, 2, 4));
    assertArrayEquals(
        new int[] {10, 8, 7, 4, 3, 1, 1, 1, 1}, budgets(ScheduleMode.COSINE, 10, 1, 7, 9));
    assertArrayEquals(
        new int[] {9, 9, 8, 8, 7, 6, 5, 5, 4, 3, 3, 3, 3, 3},
        budgets(ScheduleMode.COSINE, 9, 3, 12, 14));
  }

  @Test
  void constantAutonomousAndSingleStepBudgets() {
    assertArrayEquals(new int[] {8, 8, 8}, budgets(ScheduleMode.CONSTANT, 8, 2, 8, 3));
    assertArrayEquals(new int[] {999, 999}, budgets(ScheduleMode.AUTONOMOUS, 8, 2, 8, 2));
    assertArrayEquals(new int[] {8, 8}, budgets(ScheduleMode.LINEAR, 8, 2, 1, 2));
    assertArrayEquals(new int[] {8, 8}, budgets(ScheduleMode.COSINE, 8, 2, 0, 2));
  }

  @Test
  void getDoesNotMoveAndStateRoundTrips() {
    BudgetScheduler s = new BudgetScheduler(ScheduleMode.LINEAR, 8, 2, 8);
    assertEquals(4, s.get(5));
    assertEquals(0, s.currentStep());
    s.step();
    s.step();
    SchedulerState saved = s.state();
    BudgetScheduler resumed = new BudgetScheduler(ScheduleMode.LINEAR, 8, 2, 8);
    resumed.load(saved);
    assertEquals(2, resumed.currentStep());
    assertEquals(s.step(), resumed.step());
  }

  @Test
  void lrScheduleIsTheUnroundedShape() {
    LrSchedule linear = new LrSchedule(ScheduleMode.LINEAR, 3e-4, 1e-5, 5);
    double[] expectedLinear = {
      0.00024199999999999997, 0.00018399999999999997, 0.000126, 6.8e-05, 1.0000000000000026e-05
    };
    for (double e : expectedLinear) {
      assertEquals(e, linear.step(), 0.0);
    }
    LrSchedule cosine = new LrSchedule(ScheduleMode.COSINE, 3e-4, 1e-5, 5);
    double[] expectedCosine = {
      0.0002723074641843674, 0.00019980746418436736, 0.00011019253581563262, 3.769253581563263e-05, 1e-05
    };
    for (double e : expectedCosine) {
      assertEquals(e, cosine.step(), 1e-18);
    }
    assertEquals(1e-05, cosine.get(50), 0.0);
    assertEquals(3e-4, new LrSchedule(ScheduleMode.CONSTANT, 3e-4, 1e-5, 5).get(3), 0.0);
  }

  @Test
  void badModesAndRatesAreRefused() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ScheduleMode.parse("step"));
    assertTrue(e.getMessage().contains("'step'") && e.getMessage().contains("cosine"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class, () -> new LrSchedule(ScheduleMode.AUTONOMOUS, 1e-3, 0, 5));
    assertThrows(
        IllegalArgumentException.class, () -> new LrSchedule(ScheduleMode.LINEAR, Double.NaN, 0, 5));
  }
}
