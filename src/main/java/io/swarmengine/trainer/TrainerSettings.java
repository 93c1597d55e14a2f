package io.swarmengine.trainer;

import com.typesafe.config.Config;
import io.swarmengine.learn.LossSettings;
import io.swarmengine.scheduler.ScheduleMode;
import java.time.Duration;
import java.util.Locale;

/**
 * How the trainer steps: groups per sampled batch, how many adapter versions behind the newest a
 * sampled group may be ({@code maxLag}, AReaL's eta), the loss, how long to wait for the replay's
 * rate limiter, AdamW's weight decay, by what factor a group's priority falls once trained on, and
 * the shape of the learning rate across a train segment ({@link LearningRates}), and after how
 * many refused steps in a row the trainer stops ({@code maxFailedSteps}, 0: never).
 */
public record TrainerSettings(
    int batchGroups, long maxLag, LossSettings loss, Duration sampleTimeout, double weightDecay, double priorityDecay,
    ScheduleMode lrSchedule, double minLrFraction, int maxFailedSteps) {

  public TrainerSettings {
    if (batchGroups < 1 || maxLag < 0 || !(weightDecay >= 0) || !(priorityDecay > 0 && priorityDecay <= 1)
        || !(minLrFraction >= 0 && minLrFraction <= 1) || maxFailedSteps < 0) {
      throw new IllegalArgumentException(
          "trainer needs batch-groups >= 1, max-lag >= 0, weight-decay >= 0, priority-decay in (0, 1], "
              + "min-lr-fraction in [0, 1] and max-failed-steps >= 0, got " + batchGroups + ", " + maxLag + ", "
              + weightDecay + ", " + priorityDecay + ", " + minLrFraction + ", " + maxFailedSteps);
    }
  }

  /** From a {@code swarm.trainer} block, for episodes sampled at {@code temperature} (swarm.rollout.temperature). */
  public static TrainerSettings fromConfig(Config trainer, double temperature) {
    return new TrainerSettings(
        trainer.getInt("batch-groups"),
        trainer.getLong("max-lag"),
        LossSettings.of(lossKind(trainer.getString("loss"))).withKl(trainer.getDouble("kl-beta"))
            .withTemperature(temperature),
        trainer.getDuration("sample-timeout"),
        trainer.getDouble("weight-decay"),
        trainer.getDouble("priority-decay"),
        lrSchedule(trainer.getString("lr-schedule")),
        trainer.getDouble("min-lr-fraction"),
        trainer.getInt("max-failed-steps"));
  }

  /** {@code constant}, {@code linear} or {@code cosine}. */
  static ScheduleMode lrSchedule(String name) {
    ScheduleMode mode = ScheduleMode.parse(name.trim().toLowerCase(Locale.ROOT));
    if (mode == ScheduleMode.AUTONOMOUS) {
      throw new IllegalArgumentException("lr-schedule '" + name + "' has no learning-rate form; use constant, linear or cosine");
    }
    return mode;
  }

  /** {@code grpo}, {@code dr-grpo}, {@code dapo}, {@code gspo}, {@code reinforce} or {@code sft}. */
  public static LossSettings.Kind lossKind(String name) {
    try {
      return LossSettings.Kind.valueOf(name.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "'" + name + "' is not a loss; expected grpo, dr-grpo, dapo, gspo, reinforce or sft");
    }
  }
}
