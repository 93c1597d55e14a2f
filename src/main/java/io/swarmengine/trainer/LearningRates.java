package io.swarmengine.trainer;

import io.swarmengine.policy.CompiledPolicy;
import io.swarmengine.policy.PolicyAction;
import io.swarmengine.scheduler.LrSchedule;
import io.swarmengine.scheduler.ScheduleMode;

/**
 * The learning rate of the step a position calls for: the train action's {@code lr} shaped across
 * the action's train segment (seed 002's constant, linear or cosine), from {@code lr} at the
 * segment's first step down to {@code lr × minFraction} at its last. Worked out from the position
 * alone, so a resumed run goes on at the rate it stopped at. (A train segment always ends: every
 * schedule rule has an end.)
 */
public record LearningRates(ScheduleMode mode, double minFraction, CompiledPolicy schedule) {

  public LearningRates {
    if (mode == ScheduleMode.AUTONOMOUS) {
      throw new IllegalArgumentException("the autonomous mode has no learning-rate form; use constant, linear or cosine");
    }
    if (!(minFraction >= 0 && minFraction <= 1)) {
      throw new IllegalArgumentException("min-lr-fraction must be in [0, 1], got " + minFraction);
    }
  }

  /** The rate of the step at {@code position}, a train position of {@code action}. */
  public double at(long position, PolicyAction.Train action) {
    if (mode == ScheduleMode.CONSTANT) {
      return action.lr();
    }
    // one action, hence one stride, holds the whole segment: its steps are every stride-th position
    long start = schedule.segmentStart(position);
    long total = (schedule.segmentEnd(position) - start) / action.stride();
    long step = (position - start + 1) / action.stride();
    int steps = (int) Math.min(Integer.MAX_VALUE, Math.max(1, total));
    return new LrSchedule(mode, action.lr(), action.lr() * minFraction, steps).get((int) Math.max(1, Math.min(steps, step)));
  }
}
