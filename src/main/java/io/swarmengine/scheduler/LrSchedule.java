package io.swarmengine.scheduler;

/**
 * The floating-point form of the same shapes, for a learning rate across a train segment: no
 * rounding, never below {@code min}. Autonomous has no learning-rate form (it means "no budget
 * limit"), so it is refused. Steps are 1-indexed; {@link #step()} advances.
 */
public final class LrSchedule extends SteppedSchedule {
  private final double max;
  private final double min;

  public LrSchedule(ScheduleMode mode, double max, double min, int totalSteps) {
    super(mode, totalSteps);
    if (mode == ScheduleMode.AUTONOMOUS) {
      throw new IllegalArgumentException(
          "the autonomous mode has no learning-rate form; use constant, linear or cosine");
    }
    if (!Double.isFinite(max) || !Double.isFinite(min) || max < 0 || min < 0) {
      throw new IllegalArgumentException(
          "learning rates must be finite and >= 0, got max " + max + " and min " + min);
    }
    this.max = max;
    this.min = min;
  }

  /** Advances one step and returns its learning rate. */
  public double step() {
    return get(advance());
  }

  /** The learning rate at any 1-indexed step, without moving. */
  public double get(int step) {
    if (mode == ScheduleMode.CONSTANT) {
      return max;
    }
    return Math.max(min, mode.shape(max, min, totalSteps, step));
  }
}
