package io.swarmengine.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Where train segments start and end, which positions call for a step, and how many came before. */
class CompiledPolicySegmentsTest {
  private static final String TRAIN = "train(scope=attn,opt=adam,lr=0.01,stride=4,clip=1.0,momentum=0.9)";

  private static CompiledPolicy compile(String spec, long total) throws Exception {
    return PolicySpec.parse(spec, TrainScope.GPT2_SCOPES).compile(total);
  }

  @Test
  void aTrainSegmentRunsToTheEndOfItsRule() throws Exception {
    CompiledPolicy c = compile("schedule=0..10:infer|10..100%:" + TRAIN, 50);
    assertEquals(0, c.segmentStart(3));
    assertEquals(10, c.segmentEnd(3));
    assertEquals(10, c.segmentStart(10));
    assertEquals(50, c.segmentEnd(10));
    assertEquals(50, c.segmentEnd(49));
    assertFalse(c.trainsAt(12));
    assertTrue(c.trainsAt(13)); // the 4th position of the segment
    assertEquals(0, c.trainStepsBefore(13));
    assertEquals(1, c.trainStepsBefore(14));
    assertEquals(10, c.trainStepsBefore(50)); // positions 13, 17, ..., 49
  }

  @Test
  void eachPeriodOfARepeatIsASegmentOfItsOwn() throws Exception {
    CompiledPolicy c = compile("schedule=repeat(0..40,period=10,pattern=4:" + TRAIN + "+6:infer)", 40);
    assertEquals(10, c.segmentStart(12));
    assertEquals(14, c.segmentEnd(12));
    assertEquals(20, c.segmentEnd(15));
    assertTrue(c.trainsAt(13));
    assertEquals(2, c.trainStepsBefore(20)); // 3 and 13
  }

  @Test
  void pastEveryRuleTheInferSegmentNeverEnds() throws Exception {
    CompiledPolicy c = compile("schedule=5..20:" + TRAIN, 100);
    assertEquals(20, c.segmentEnd(5));
    assertEquals(20, c.segmentStart(100));
    assertEquals(Long.MAX_VALUE, c.segmentEnd(100));
  }
}
