package io.swarmengine.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Which step a resumed run asks for again: the newest a done position called for, none if trained past it. */
class LastStepBeforeTest {
  private static final String TRAIN = "train(scope=attn,opt=adam,lr=0.003,stride=8)";

  @Test
  void theLastStepBelowTheFirstIncompletePositionIsFoundInOneSegmentOrAcrossSeveral() throws Exception {
    CompiledPolicy demo = PolicySpec.parse("schedule=0..64:infer|64..100%:" + TRAIN, TrainScope.GPT2_SCOPES).compile(5000L);
    // steps at 71, 79, ..., 599, 607 ...
    assertEquals(599, demo.lastStepBefore(576, 600));
    assertEquals(599, demo.lastStepBefore(0, 607));
    assertEquals(607, demo.lastStepBefore(0, 608));
    assertEquals(-1, demo.lastStepBefore(600, 607), "trained past every step below the first incomplete");
    assertEquals(-1, demo.lastStepBefore(0, 71), "no step in the infer segment");
    assertEquals(-1, demo.lastStepBefore(0, 0), "a fresh run");
    for (long to = 1; to < 400; to++) { // the search agrees with a plain walk down
      long walk = -1;
      for (long q = to - 1; q >= 0; q--) {
        if (demo.trainsAt(q)) {
          walk = q;
          break;
        }
      }
      assertEquals(walk, demo.lastStepBefore(0, to), "below " + to);
    }

    CompiledPolicy phases =
        PolicySpec.parse("schedule=repeat(0..1000000,period=100,pattern=40:" + TRAIN + "+60:infer)", TrainScope.GPT2_SCOPES)
            .compile(1_000_000L);
    long last = phases.lastStepBefore(0, 999_990);
    assertTrue(phases.trainsAt(last), "position " + last + " calls for a step");
    assertEquals(999_939, last, "the 5th step of the last train phase (999,900..999,939)");
  }
}
