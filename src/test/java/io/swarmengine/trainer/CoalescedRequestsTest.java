package io.swarmengine.trainer;

import static org.junit.jupiter.api.Assertions.assertSame;

import io.swarmengine.policy.PolicyAction;
import io.swarmengine.policy.PolicySpec;
import io.swarmengine.policy.TrainScope;
import org.junit.jupiter.api.Test;

class CoalescedRequestsTest {
  @Test
  void theNewestPositionStandsForRequestsThatArriveOutOfOrder() throws Exception {
    PolicyAction.Train train = (PolicyAction.Train) PolicySpec
        .parse("schedule=0..100%:train(scope=attn,opt=adam,lr=0.003,stride=8)", TrainScope.GPT2_SCOPES)
        .compile(1000L).actionAt(7);
    Trainer.TrainRequest at647 = new Trainer.TrainRequest(647, train);
    Trainer.TrainRequest at639 = new Trainer.TrainRequest(639, train);
    Trainer.TrainRequest at655 = new Trainer.TrainRequest(655, train);
    assertSame(at647, Trainer.newest(null, at647));
    assertSame(at647, Trainer.newest(at647, at639), "a worker's older request does not replace a newer one");
    assertSame(at655, Trainer.newest(at647, at655));
  }
}
