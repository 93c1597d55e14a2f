package io.swarmengine.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.actor.typed.pubsub.Topic;
import io.swarmengine.adapter.AdapterHub;
import io.swarmengine.adapter.AdapterStore;
import io.swarmengine.metrics.ComputeMeter;
import io.swarmengine.model.Gpt2;
import io.swarmengine.model.ops.Parallel;
import io.swarmengine.policy.CompiledPolicy;
import io.swarmengine.policy.PolicyAction;
import io.swarmengine.policy.PolicySpec;
import io.swarmengine.policy.TrainScope;
import io.swarmengine.replay.Episode;
import io.swarmengine.replay.EpisodeGroup;
import io.swarmengine.replay.Replay;
import io.swarmengine.replay.SampleKey;
import io.swarmengine.replay.Turn;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trainer between a replay and a hub it does not know are probes: what it owes after a rollback. */
class TrainerRollbackTest {
  private static final Duration STEP = Duration.ofSeconds(30);

  @TempDir Path data;
  private final ActorTestKit kit = ActorTestKit.create();

  @AfterEach
  void stop() {
    kit.shutdownTestKit();
  }

  private static List<EpisodeGroup> batch() {
    Episode good = new Episode(List.of(new Turn(new int[] {1, 2}, new int[] {3, 3}, new float[] {-2.7f, -2.7f}, 1f)));
    Episode bad = new Episode(List.of(new Turn(new int[] {1, 2}, new int[] {5, 6}, new float[] {-2.7f, -2.7f}, 0f)));
    return List.of(new EpisodeGroup("g", 0, "w", 0, List.of(good, bad), Map.of(), 0));
  }

  /** Answers the trainer's next sample with the one-group batch, and the priority update after it. */
  private static void answerSample(TestProbe<Replay.Command> replay) {
    Replay.Sample sample = replay.expectMessageClass(Replay.Sample.class, STEP);
    sample.replyTo().tell(new Replay.SampledBatch(batch(), new double[] {1}, List.of(new SampleKey("g", 0)), 0.4));
  }

  private TestProbe<Replay.Command> replay;
  private TestProbe<AdapterHub.Command> hub;
  private ActorRef<Topic.Command<AdapterHub.AdapterPublished>> topic;
  private CompiledPolicy schedule;
  private ActorRef<Trainer.Command> trainer;

  /** A trainer that has published version 1 (a step for position 10) and hears the hub's topic. */
  private void trainerOnVersion1() throws Exception {
    replay = kit.createTestProbe();
    hub = kit.createTestProbe();
    topic = kit.spawn(Topic.create(AdapterHub.AdapterPublished.class, AdapterHub.TOPIC));
    schedule = PolicySpec
        .parse("schedule=0..100%:train(scope=attn,opt=adam,lr=0.01,stride=1)", TrainScope.GPT2_SCOPES).compile(100L);
    Gpt2 base = Gpt2.random(TrainerComputeTest.CONFIG, 3, Parallel.sequential());
    trainer = kit.spawn(Trainer.create(
        new Trainer.Compute(base, new AdapterStore(data), TrainerComputeTest.LORA, data.resolve("trainer"),
            Parallel.sequential(), new ComputeMeter(), null),
        TrainerComputeTest.SETTINGS, schedule, replay.ref(), hub.ref(), topic,
        kit.spawn(Topic.create(Trainer.StepSkipped.class, Trainer.SKIPS_TOPIC))));
    hub.expectMessageClass(AdapterHub.GetVersions.class).replyTo().tell(new AdapterHub.Versions(List.of(), null, 0));
    request(10);
    answerSample(replay);
    AdapterHub.Publish publish = hub.expectMessageClass(AdapterHub.Publish.class, STEP);
    assertEquals(0, publish.parent());
    publish.replyTo().tell(new AdapterHub.Published(
        new AdapterHub.Version(1, 0, publish.sha256(), publish.sizeBytes(), publish.metrics(), true, 0)));
    replay.expectMessageClass(Replay.UpdatePriorities.class, STEP)
        .replyTo().tell(new Replay.PrioritiesUpdated(1, 0));
    TestProbe<Topic.TopicStats> stats = kit.createTestProbe();
    stats.awaitAssert(() -> {
      topic.tell(Topic.getTopicStats(stats.ref()));
      assertEquals(1, stats.expectMessageClass(Topic.TopicStats.class).localSubscriberCount(), "the trainer listens");
      return null;
    });
  }

  private void request(long position) {
    trainer.tell(new Trainer.TrainRequest(position, (PolicyAction.Train) schedule.actionAt(position)));
  }

  private void rollBackToTheBaseModel() {
    topic.tell(Topic.publish(new AdapterHub.AdapterPublished(null, 0, true)));
  }

  /** The trainer's next publish is on the base model, for {@code position}; it is answered as version 2. */
  private void nextPublishTrainsOnFromTheBaseModelFor(long position) {
    AdapterHub.Publish again = hub.expectMessageClass(AdapterHub.Publish.class, STEP);
    assertEquals(0, again.parent(), "the step after the rollback trains on from the base model");
    assertEquals((double) position, again.metrics().get(AdapterHub.Version.POSITION), "the step is for the newest request");
    again.replyTo().tell(new AdapterHub.Published(
        new AdapterHub.Version(2, 0, again.sha256(), again.sizeBytes(), again.metrics(), true, 0)));
  }

  @Test
  void afterARollbackTheTrainerStepsAgainForTheNewestRequestWithoutBeingAsked() throws Exception {
    trainerOnVersion1();
    rollBackToTheBaseModel();
    // no new request comes (every worker waits for a version trained at or past its positions)
    answerSample(replay);
    nextPublishTrainsOnFromTheBaseModelFor(10);
  }

  @Test
  void anAnnouncementThatComesAfterTheNextPublishIsNoRollback() throws Exception {
    trainerOnVersion1();
    // the topic's announcement of version 1 lags behind the hub's reply that published it (as under load)
    topic.tell(Topic.publish(new AdapterHub.AdapterPublished(null, 0, false)));
    request(11);
    answerSample(replay);
    AdapterHub.Publish next = hub.expectMessageClass(AdapterHub.Publish.class, STEP);
    assertEquals(1, next.parent(), "the next step trains on from version 1, not from the announcement's base model");
    assertEquals(11.0, next.metrics().get(AdapterHub.Version.POSITION));
  }

  @Test
  void aBatchSampledBeforeTheRollbackIsNotTrainedOnAfterIt() throws Exception {
    trainerOnVersion1();
    request(11);
    Replay.Sample before = replay.expectMessageClass(Replay.Sample.class, STEP);
    rollBackToTheBaseModel();
    // the answer to the sample asked before the rollback comes while the trainer resets its adapter
    before.replyTo().tell(new Replay.SampledBatch(batch(), new double[] {1}, List.of(new SampleKey("g", 0)), 0.4));
    answerSample(replay); // a sample asked afresh, on the rolled-back line
    nextPublishTrainsOnFromTheBaseModelFor(11);
    // the batch sampled before is dropped, not trained on (beside the reset) and published too
    hub.expectNoMessage(Duration.ofSeconds(1));
    TestProbe<Trainer.Status> status = kit.createTestProbe();
    trainer.tell(new Trainer.GetStatus(status.ref()));
    Trainer.Status s = status.expectMessageClass(Trainer.Status.class);
    assertEquals(List.of(2L, 0L), List.of(s.steps(), s.failed()), "steps published and failed: " + s);
  }
}
