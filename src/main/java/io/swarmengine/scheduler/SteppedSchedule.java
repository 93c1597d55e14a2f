package io.swarmengine.scheduler;

/**
 * What the budget and learning-rate schedules share: a shape over {@code totalSteps} 1-indexed
 * steps and the step reached so far, which is what they save and load.
 */
abstract class SteppedSchedule {
  final ScheduleMode mode;
  final int totalSteps;
  private int currentStep;

  SteppedSchedule(ScheduleMode mode, int totalSteps) {
    this.mode = mode;
    this.totalSteps = totalSteps;
  }

  /** Moves to the next step and returns its number. */
  final int advance() {
    return ++currentStep;
  }

  public final int currentStep() {
    return currentStep;
  }

  public final SchedulerState state() {
    return new SchedulerState(currentStep);
  }

  public final void load(SchedulerState state) {
    currentStep = state.currentStep();
  }
}
