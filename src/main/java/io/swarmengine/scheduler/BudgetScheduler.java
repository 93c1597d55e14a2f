package io.swarmengine.scheduler;

/**
 * An integer budget per optimization step (seed 002's edit-budget schedulers, used here for the
 * number of optimizer steps per train request). Values are rounded half to even, as Python's
 * {@code round}, and never fall below {@code min}. Steps are 1-indexed; {@link #step()} advances.
 */
public final class BudgetScheduler {
  private final ScheduleMode mode;
  private final int max;
  private final int min;
  private final int totalSteps;
  private int currentStep;

  public BudgetScheduler(ScheduleMode mode, int max, int min, int totalSteps) {
    this.mode = mode;
    this.max = max;
    this.min = min;
    this.totalSteps = totalSteps;
  }

  /** Advances one step and returns its budget. */
  public int step() {
    currentStep++;
    return get(currentStep);
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

  public int currentStep() {
    return currentStep;
  }

  public SchedulerState state() {
    return new SchedulerState(currentStep);
  }

  public void load(SchedulerState state) {
    currentStep = state.currentStep();
  }
}
