package io.swarmengine.scheduler;

/**
 * An integer budget per optimization step (seed 002's edit-budget schedulers, used here for the
 * number of optimizer steps per train request). Values are rounded half to even, as Python's
 * {@code round}, and never fall below {@code min}. Steps are 1-indexed; {@link #step()} advances.
 */
public final class BudgetScheduler extends SteppedSchedule {
  private final int max;
  private final int min;

  public BudgetScheduler(ScheduleMode mode, int max, int min, int totalSteps) {
    super(mode, totalSteps);
    this.max = max;
    this.min = min;
  }

  /** Advances one step and returns its budget. */
  public int step() {
    return get(advance());
  }

  /** The budget at any 1-indexed step, without moving. */
  public int get(int step) {
    if (mode == ScheduleMode.AUTONOMOUS) {
      return ScheduleMode.NO_LIMIT;
    }
    if (mode == ScheduleMode.CONSTANT || totalSteps <= 1) {
      return max;
    }
    return Math.max(min, (int) Math.rint(mode.shape(max, min, totalSteps, step)));
  }
}
