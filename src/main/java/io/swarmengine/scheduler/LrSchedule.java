package io.swarmengine.scheduler;

/**
 * The floating-point form of the same shapes, for a learning rate across a train segment: no
 * rounding, never below {@code min}. Autonomous has no learning-rate form (it means "no budget
 * limit"), so it is refused. Steps are 1-indexed; {@link #step()} advances.
 */
public final class LrSchedule {
  private final ScheduleMode mode;
  private final double max;
  private final double min;
  private final int totalSteps;
  private int currentStep;

  public LrSchedule(ScheduleMode mode, double max, double min, int totalSteps) {
    if (mode == ScheduleMode.AUTONOMOUS) {
      throw new IllegalArgumentException(
          "the autonomous mode has no learning-rate form; use constant, linear or cosine");
    }
    if (!Double.isFinite(max) || !Double.isFinite(min) || max < 0 || min < 0) {
      throw new IllegalArgumentException(
          "learning rates must be finite and >= 0, got max " + max + " and min " + min);
    }
    this.mode = mode;
    this.max = max;
    this.min = min;
    this.totalSteps = totalSteps;
  }

  /** Advances one step and returns its learning rate. */
  public double step() {
    currentStep++;
    return get(currentStep);
  }

  /** The learning rate at any 1-indexed step, without moving. */
  public double get(int step) {
    if (mode == ScheduleMode.CONSTANT || totalSteps <= 1) {
      return max;
    }
    return Math.max(min, mode.shape(max, min, totalSteps, step));
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
