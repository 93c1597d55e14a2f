package io.swarmengine.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.actor.typed.pubsub.Topic;
import io.swarmengine.adapter.AdapterHub;
import io.swarmengine.cursor.PolicyCursor;
import io.swarmengine.env.Task;
import io.swarmengine.policy.CompiledPolicy;
import io.swarmengine.policy.PolicySpec;
import io.swarmengine.policy.TrainScope;
import io.swarmengine.replay.EpisodeGroup;
import io.swarmengine.replay.Replay;
import io.swarmengine.trainer.Trainer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Generation waits for training: a worker plays no further than {@code max-steps-ahead} training
 * steps past the newest published one, goes on when a version is announced, and plays on anyway
 * after {@code throttle-timeout}. The cursor, replay, hub and trainer are probes.
 */
class WorkerThrottleTest {
  private static final ActorTestKit kit = ActorTestKit.create("worker-throttle");

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  /** Every 4th position trains: positions 3, 7, 11, ... each call for a step. */
  private static final CompiledPolicy SCHEDULE = compile();

  private static CompiledPolicy compile() {
    try {
      return PolicySpec.parse("schedule=0..100%:train(scope=attn,opt=adam,lr=0.01,stride=4,clip=1.0,momentum=0.9)",
          TrainScope.GPT2_SCOPES).compile(64L);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private final TestProbe<PolicyCursor.Command> cursor = kit.createTestProbe();
  private final TestProbe<Replay.Command> replay = kit.createTestProbe();
  private final TestProbe<AdapterHub.Command> hub = kit.createTestProbe();
  private final TestProbe<Trainer.Command> trainer = kit.createTestProbe();
  private ActorRef<Topic.Command<AdapterHub.AdapterPublished>> topic;
  private ActorRef<Topic.Command<Trainer.StepSkipped>> skips;

  private ActorRef<WorkerAgent.Command> startWorker(String name, Duration throttleTimeout) {
    return startWorker(name, 64, 1, throttleTimeout, Duration.ZERO);
  }

  private ActorRef<WorkerAgent.Command> startWorker(String name, int chunkGroups, int maxStepsAhead, Duration throttleTimeout,
      Duration completeEvery) {
    return startWorker(name, chunkGroups, Duration.ofSeconds(10), maxStepsAhead, throttleTimeout, completeEvery);
  }

  private ActorRef<WorkerAgent.Command> startWorker(String name, int chunkGroups, Duration chunkTime, int maxStepsAhead,
      Duration throttleTimeout, Duration completeEvery) {
    topic = kit.spawn(Topic.create(AdapterHub.AdapterPublished.class, "versions-" + name));
    skips = kit.spawn(Topic.create(Trainer.StepSkipped.class, "skips-" + name));
    WorkerAgent.Parts parts = new WorkerAgent.Parts(cursor.ref(), replay.ref(), hub.ref(), topic, skips, trainer.ref(), SCHEDULE,
        Task.byName("arithmetic:9"), new NullRollouts(2), null, Clock.systemUTC());
    WorkerSettings settings =
        new WorkerSettings(64, chunkGroups, chunkTime, 1, 2, maxStepsAhead, throttleTimeout, completeEvery, 3);
    ActorRef<WorkerAgent.Command> worker = kit.spawn(WorkerAgent.create(name, parts, settings, WorkerListener.NONE), name);
    hub.expectMessageClass(AdapterHub.GetVersions.class).replyTo().tell(new AdapterHub.Versions(List.of(), null, 0));
    PolicyCursor.Lease lease = cursor.expectMessageClass(PolicyCursor.Lease.class);
    lease.replyTo().tell(new PolicyCursor.Leased(1, SCHEDULE.runs(0, 64), System.currentTimeMillis() + 60_000));
    return worker;
  }

  /** Acknowledges the next insert and its completion; returns the positions inserted. */
  private List<Long> acknowledgeInsert(Duration within) {
    List<Long> positions = acknowledgeInsertOnly(within);
    acknowledgeCompletion();
    return positions;
  }

  private List<Long> acknowledgeInsertOnly(Duration within) {
    Replay.Insert insert = replay.expectMessageClass(Replay.Insert.class, within);
    List<String> ids = new ArrayList<>();
    List<Long> positions = new ArrayList<>();
    for (EpisodeGroup g : insert.groups()) {
      ids.add(g.id());
      positions.add(g.position());
    }
    insert.replyTo().tell(new Replay.InsertResult(ids, List.of(), List.of()));
    return positions;
  }

  /** Answers the next completion (skipping lease requests); returns its range. */
  private List<Long> acknowledgeCompletion() {
    PolicyCursor.Command next = cursor.receiveMessage();
    while (!(next instanceof PolicyCursor.Complete)) { // a worker out of positions asks for more meanwhile
      next = cursor.receiveMessage();
    }
    PolicyCursor.Complete complete = (PolicyCursor.Complete) next;
    complete.replyTo().tell(new PolicyCursor.Completed(complete.from(), complete.to(), complete.to() - complete.from()));
    return List.of(complete.from(), complete.to());
  }

  private static List<Long> range(long from, long to) {
    List<Long> out = new ArrayList<>();
    for (long p = from; p < to; p++) {
      out.add(p);
    }
    return out;
  }

  /** A worker with nothing trained yet plays up to the step at 7 (one ahead of the one at 3), not the one at 11. */
  private void startWorkerThrottledBeforeTheStepAt11(String name) {
    startWorker(name, Duration.ofHours(1));
    assertEquals(range(0, 11), acknowledgeInsert(Duration.ofSeconds(10)));
    assertEquals(3, trainer.expectMessageClass(Trainer.TrainRequest.class).position());
    assertEquals(7, trainer.expectMessageClass(Trainer.TrainRequest.class).position());
    replay.expectNoMessage(Duration.ofMillis(500));
  }

  @Test
  void aWorkerWaitsForTheStepsItIsAheadOfAndGoesOnWhenAVersionIsPublished() {
    startWorkerThrottledBeforeTheStepAt11("waits");

    // the step asked for by position 3 is published: the worker may go up to the step at 15
    AdapterHub.Version v1 = new AdapterHub.Version(1, 0, "ab", 10, Map.of(AdapterHub.Version.POSITION, 3.0), true,
        System.currentTimeMillis());
    topic.tell(Topic.publish(new AdapterHub.AdapterPublished(v1, System.currentTimeMillis(), false)));
    assertEquals(range(11, 15), acknowledgeInsert(Duration.ofSeconds(10)));
    assertEquals(11, trainer.expectMessageClass(Trainer.TrainRequest.class).position());
    replay.expectNoMessage(Duration.ofMillis(300));
  }

  @Test
  void aStepTheTrainerSkippedIsNotWaitedFor() {
    startWorkerThrottledBeforeTheStepAt11("skips");

    // the step at 3 failed or found no batch: no version will come for it, and the worker goes on
    skips.tell(Topic.publish(new Trainer.StepSkipped(3)));
    assertEquals(range(11, 15), acknowledgeInsert(Duration.ofSeconds(10)));
    replay.expectNoMessage(Duration.ofMillis(300));
  }

  @Test
  void acknowledgedChunksAreCompletedTogetherWhenTheLeaseRunsOut() {
    startWorker("completes-late", 8, -1, Duration.ZERO, Duration.ofHours(1));
    List<Long> inserted = new ArrayList<>();
    for (int chunk = 0; chunk < 8; chunk++) {
      inserted.addAll(acknowledgeInsertOnly(Duration.ofSeconds(10)));
    }
    assertEquals(range(0, 64), inserted);
    // the first completion (lease requests skipped) covers all eight chunks: one journal write
    assertEquals(List.of(0L, 64L), acknowledgeCompletion());
  }

  @Test
  void aDrainedWorkerPlaysNoMoreAndCompletesWhatIsAcknowledged() {
    ActorRef<WorkerAgent.Command> worker = startWorker("drained", 8, -1, Duration.ZERO, Duration.ofHours(1));
    assertEquals(range(0, 8), acknowledgeInsertOnly(Duration.ofSeconds(10)));
    // two inserts in flight, unanswered: the worker plays no further
    Replay.Insert second = replay.expectMessageClass(Replay.Insert.class);
    Replay.Insert third = replay.expectMessageClass(Replay.Insert.class);
    TestProbe<WorkerAgent.Drained> drained = kit.createTestProbe();
    worker.tell(new WorkerAgent.Drain(drained.ref()));
    assertEquals(List.of(0L, 8L), acknowledgeCompletion()); // what is acknowledged is completed at once
    drained.expectNoMessage(Duration.ofMillis(100)); // two chunks are still in flight
    for (Replay.Insert insert : List.of(second, third)) {
      insert.replyTo().tell(new Replay.InsertResult(
          insert.groups().stream().map(EpisodeGroup::id).toList(), List.of(), List.of()));
    }
    long completedTo = 8;
    while (completedTo < 24) {
      List<Long> range = acknowledgeCompletion();
      assertEquals(completedTo, range.get(0));
      completedTo = range.get(1);
    }
    assertEquals(24, completedTo);
    assertEquals("drained", drained.receiveMessage().workerId());
    replay.expectNoMessage(Duration.ofMillis(300)); // and it plays nothing more
  }

  private void publish(long number, double trainedPosition) {
    AdapterHub.Version v = new AdapterHub.Version(number, number - 1, "ab", 10,
        Map.of(AdapterHub.Version.POSITION, trainedPosition), true, System.currentTimeMillis());
    topic.tell(Topic.publish(new AdapterHub.AdapterPublished(v, System.currentTimeMillis(), false)));
  }

  @Test
  void groupsPlayedUpToTheThrottleGoInWithTheRestOfTheirChunk() {
    // chunks of 4 end on their train position (3, 7, 11, ...): the throttle stops at 11, inside [8, 12)
    startWorker("holds", 4, 1, Duration.ofHours(1), Duration.ZERO);
    assertEquals(range(0, 4), acknowledgeInsert(Duration.ofSeconds(10)));
    assertEquals(range(4, 8), acknowledgeInsert(Duration.ofSeconds(10)));
    assertEquals(3, trainer.expectMessageClass(Trainer.TrainRequest.class).position());
    assertEquals(7, trainer.expectMessageClass(Trainer.TrainRequest.class).position());
    // 8, 9, 10 are played but call for no step: they wait for 11 rather than go in alone
    replay.expectNoMessage(Duration.ofMillis(500));
    publish(1, 3);
    assertEquals(range(8, 12), acknowledgeInsert(Duration.ofSeconds(10)));
    assertEquals(11, trainer.expectMessageClass(Trainer.TrainRequest.class).position());
  }

  @Test
  void groupsHeldForTheRestOfTheirChunkGoInAloneAfterChunkTime() {
    startWorker("holds-briefly", 4, Duration.ofMillis(300), 1, Duration.ofHours(1), Duration.ZERO);
    assertEquals(range(0, 4), acknowledgeInsert(Duration.ofSeconds(10)));
    assertEquals(range(4, 8), acknowledgeInsert(Duration.ofSeconds(10)));
    // no version comes: after chunk-time the played part goes in without the rest
    assertEquals(range(8, 11), acknowledgeInsert(Duration.ofSeconds(5)));
    publish(1, 3);
    assertEquals(range(11, 12), acknowledgeInsert(Duration.ofSeconds(10)));
  }

  @Test
  void aWorkerPlaysOnAfterTheThrottleTimeout() {
    startWorker("times-out", Duration.ofMillis(700));
    assertEquals(range(0, 11), acknowledgeInsert(Duration.ofSeconds(10)));
    replay.expectNoMessage(Duration.ofMillis(300));
    // no version comes: after the timeout the rest of the lease is played without waiting
    assertEquals(range(11, 64), acknowledgeInsert(Duration.ofSeconds(5)));
  }
}
