package io.swarmengine.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.swarmengine.policy.CompiledPolicy;
import io.swarmengine.policy.PolicyAction;
import io.swarmengine.policy.PolicySpec;
import io.swarmengine.policy.TrainScope;
import io.swarmengine.scheduler.ScheduleMode;
import org.junit.jupiter.api.Test;

/** The learning rate of a step follows its place in the train segment, from lr down to lr × min-lr-fraction. */
class LearningRatesTest {
  // positions 10..50 train every 4th: steps at 13, 17, ..., 49 (10 steps)
  private static CompiledPolicy schedule() throws Exception {
    return PolicySpec.parse("schedule=0..10:infer|10..100%:train(scope=attn,opt=adam,lr=0.01,stride=4,clip=1.0,momentum=0.9)",
        TrainScope.GPT2_SCOPES).compile(50L);
  }

  private static double at(LearningRates rates, long position) {
    return rates.at(position, (PolicyAction.Train) rates.schedule().actionAt(position));
  }

  @Test
  void linearGoesFromLrToItsFractionOverTheSegment() throws Exception {
    LearningRates rates = new LearningRates(ScheduleMode.LINEAR, 0.1, schedule());
    assertEquals(0.01 * (1 - 0.9 / 10), at(rates, 13), 1e-7, "first step");
    assertEquals(0.01 * (1 - 0.9 * 5 / 10), at(rates, 29), 1e-7, "fifth step");
    assertEquals(0.001, at(rates, 49), 1e-7, "last step");
  }

  @Test
  void cosineEndsAtTheFractionToo() throws Exception {
    LearningRates rates = new LearningRates(ScheduleMode.COSINE, 0.0, schedule());
    assertEquals(0.005, at(rates, 29), 1e-7, "half way");
    assertEquals(0.0, at(rates, 49), 1e-9);
  }

  @Test
  void constantKeepsTheActionsLr() throws Exception {
    assertEquals(0.01, at(new LearningRates(ScheduleMode.CONSTANT, 0.1, schedule()), 49), 1e-7);
  }

  @Test
  void autonomousAndFractionsOutsideZeroToOneAreRefused() throws Exception {
    assertThrows(IllegalArgumentException.class, () -> new LearningRates(ScheduleMode.AUTONOMOUS, 0.1, schedule()));
    assertThrows(IllegalArgumentException.class, () -> new LearningRates(ScheduleMode.LINEAR, 1.5, schedule()));
    assertThrows(IllegalArgumentException.class, () -> TrainerSettings.lrSchedule("autonomous"));
    assertEquals(ScheduleMode.COSINE, TrainerSettings.lrSchedule("Cosine"));
  }
}
