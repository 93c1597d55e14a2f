package io.swarmengine.replay;

import static io.swarmengine.replay.TestGroups.group;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import com.typesafe.config.ConfigFactory;
import io.swarmengine.persistence.BatchWritten;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class ReplayTest {
  static final ActorTestKit testKit =
      ActorTestKit.create(EventSourcedBehaviorTestKit.config().withFallback(ConfigFactory.load()));

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  static ReplaySettings settings(int capacity, RateLimiter limiter, int snapshotEvery) {
    return settings("replay-test", capacity, limiter, snapshotEvery);
  }

  static ReplaySettings settings(String persistenceId, int capacity, RateLimiter limiter, int snapshotEvery) {
    return new ReplaySettings(
        persistenceId,
        new StoreSettings(capacity, 0.6, 0.01, EvictionPolicy.FIFO, 0, 8, 0.4, 100),
        new GroupLimits(259, 64, 8),
        PriorityFunction.rewardSpread(0.01),
        "reward-spread",
        limiter,
        64,
        64,
        snapshotEvery,
        Duration.ofMinutes(10)); // bookkeeping is written behind only with an insert or a Flush here
  }

  private static EventSourcedBehaviorTestKit<Replay.Command, Replay.Event, Replay.State> kit(ReplaySettings s) {
    return EventSourcedBehaviorTestKit.create(
        testKit.system(),
        Replay.create(s, 7),
        EventSourcedBehaviorTestKit.enabledSerializationSettings().withVerifyState(false));
  }

  private static Replay.InsertResult insert(
      EventSourcedBehaviorTestKit<Replay.Command, Replay.Event, Replay.State> kit, EpisodeGroup... groups) {
    return kit.<Replay.InsertResult>runCommand(r -> new Replay.Insert(List.of(groups), r)).reply();
  }

  @Test
  void badGroupsAreRefusedWithTheirReasonsAndTheRestGoIn() {
    var kit = kit(settings(10, RateLimiter.minSize(1), 100));
    EpisodeGroup ok = group("ok", 0, 1, 0);
    EpisodeGroup nan = group("nan", 0, Double.NaN, 1);
    EpisodeGroup empty = new EpisodeGroup("empty", 0, "w", 0, List.of(), Map.of(), 0);
    EpisodeGroup token =
        new EpisodeGroup("token", 0, "w", 0,
            List.of(new Episode(List.of(new Turn(new int[] {300}, new int[] {1}, new float[] {-1f}, 1f)))), Map.of(), 0);
    EpisodeGroup big = group("big", 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1); // 13 episodes × 5 tokens
    EpisodeGroup logprob =
        new EpisodeGroup("logprob", 0, "w", 0,
            List.of(new Episode(List.of(new Turn(new int[] {1}, new int[] {1, 2}, new float[] {-1f}, 1f)))), Map.of(), 0);
    var result = kit.<Replay.InsertResult>runCommand(r -> new Replay.Insert(List.of(ok, nan, empty, token, big, logprob, ok), r));
    Replay.InsertResult reply = result.reply();
    assertEquals(List.of("ok"), reply.accepted());
    assertEquals(List.of("ok"), reply.duplicates(), "the second copy in the same insert");
    assertEquals(5, reply.rejected().size());
    Map<String, String> reasons = new java.util.HashMap<>();
    for (Replay.Rejection r : reply.rejected()) {
      reasons.put(r.id(), String.join("; ", r.reasons()));
    }
    assertTrue(reasons.get("nan").contains("episode 0 turn 0 has a non-finite reward NaN"), reasons.get("nan"));
    assertTrue(reasons.get("empty").contains("no episodes"));
    assertTrue(reasons.get("token").contains("observation token 0 is 300, outside [0, 259)"), reasons.get("token"));
    assertTrue(reasons.get("big").contains("13 episodes, more than the limit 8"), reasons.get("big"));
    assertTrue(reasons.get("big").contains("65 tokens, more than the limit 64"), reasons.get("big"));
    assertTrue(reasons.get("logprob").contains("1 log-probabilities for 2 action tokens"), reasons.get("logprob"));
    assertEquals(1, result.events().size());
    // a duplicate later is acknowledged without a second copy or a write
    var again = kit.<Replay.InsertResult>runCommand(r -> new Replay.Insert(List.of(ok), r));
    assertEquals(List.of("ok"), again.reply().duplicates());
    assertTrue(again.events().isEmpty());
    assertEquals(1, kit.getState().store().size());
  }

  @Test
  void sampleUpdateAndRecoverExactly() {
    var kit = kit(settings(6, RateLimiter.minSize(1), 3));
    for (int i = 0; i < 9; i++) {
      insert(kit, group("g" + i, i % 3, i, 0, i % 2));
    }
    Replay.SampledBatch batch =
        assertInstanceOf(
            Replay.SampledBatch.class,
            kit.<Replay.SampleReply>runCommand(r -> new Replay.Sample(4, null, 10, 0, r)).reply());
    assertEquals(4, batch.items().size());
    assertEquals(0.4, batch.beta(), 1e-12, "annealing starts at beta0");
    var updated =
        kit.<Replay.UpdateReply>runCommand(
            r -> new Replay.UpdatePriorities(
                List.of(batch.keys().get(0), new SampleKey("g0", 0)), new double[] {2.5, 9}, r));
    assertEquals(new Replay.PrioritiesUpdated(1, 1), updated.reply(), "g0 was evicted: its update is dropped");
    Replay.Stats stats = kit.<Replay.Stats>runCommand(Replay.GetStats::new).reply();
    assertEquals(6, stats.size());
    assertEquals(3, stats.evicted());
    assertEquals(4, stats.itemsSampled());
    assertEquals(1, stats.droppedUpdates());
    var flushed = kit.<Replay.Flushed>runCommand(Replay.Flush::new);
    assertEquals(new Replay.Flushed(2), flushed.reply());
    assertEquals(List.of(Replay.Sampled.class, Replay.PrioritiesSet.class),
        flushed.events().stream().map(Object::getClass).toList(), "the sample, then the update, in one write");
    ReplayInspection before = kit.<ReplayInspection>runCommand(Replay.Inspect::new).reply();
    PrioritizedStore expected = kit.getState().store();
    kit.restart();
    PrioritizedStoreTest.assertStoresEqual(expected, kit.getState().store());
    assertEquals(before.digest(), kit.<ReplayInspection>runCommand(Replay.Inspect::new).reply().digest());
  }

  @Test
  void samplesAndUpdatesAreAnsweredAtOnceAndJournaledWithTheNextInsert() {
    var kit = kit(settings(10, RateLimiter.minSize(1), 100));
    insert(kit, group("a", 0, 1, 0), group("b", 0, 0, 1));
    var sampled = kit.<Replay.SampleReply>runCommand(r -> new Replay.Sample(2, null, 10, 0, r));
    Replay.SampledBatch batch = assertInstanceOf(Replay.SampledBatch.class, sampled.reply());
    assertTrue(sampled.events().isEmpty(), "answered before any write");
    var updated = kit.<Replay.UpdateReply>runCommand(
        r -> new Replay.UpdatePriorities(batch.keys(), new double[] {3, 4}, r));
    assertEquals(new Replay.PrioritiesUpdated(2, 0), updated.reply());
    assertTrue(updated.events().isEmpty());
    assertEquals(2, kit.<Replay.Stats>runCommand(Replay.GetStats::new).reply().itemsSampled(), "in effect at once");

    var inserted = kit.<Replay.InsertResult>runCommand(r -> new Replay.Insert(List.of(group("c", 0, 1, 1)), r));
    assertEquals(List.of(Replay.Sampled.class, Replay.PrioritiesSet.class, Replay.Inserted.class),
        inserted.events().stream().map(Object::getClass).toList(), "one write: the bookkeeping, then the insert");
    assertEquals(new Replay.Flushed(0), kit.<Replay.Flushed>runCommand(Replay.Flush::new).reply(), "nothing left behind");
    PrioritizedStore expected = kit.getState().store();
    kit.restart();
    PrioritizedStoreTest.assertStoresEqual(expected, kit.getState().store());
  }

  @Test
  void aCrashBeforeTheWriteLosesTheSampleCountsButNoGroup() {
    var kit = kit(settings(10, RateLimiter.minSize(1), 100));
    insert(kit, group("a", 0, 1, 0), group("b", 0, 0, 1));
    Replay.Stats before = kit.<Replay.Stats>runCommand(Replay.GetStats::new).reply();
    assertInstanceOf(Replay.SampledBatch.class,
        kit.<Replay.SampleReply>runCommand(r -> new Replay.Sample(2, null, 10, 0, r)).reply());
    kit.restart();
    Replay.Stats after = kit.<Replay.Stats>runCommand(Replay.GetStats::new).reply();
    assertEquals(before, after, "both groups held, as journaled before the sample");
  }

  @Test
  void bookkeepingWithoutAnInsertIsJournaledAfterTheWriteBehindSpan() {
    ReplaySettings s = settings("replay-write-behind", 10, RateLimiter.minSize(1), 100);
    var kit = kit(new ReplaySettings(s.persistenceId(), s.store(), s.limits(), s.priority(), s.priorityName(),
        s.rateLimiter(), s.maxSampleSize(), s.maxBatch(), s.snapshotEvery(), Duration.ofMillis(100)));
    insert(kit, group("a", 0, 1, 0));
    assertInstanceOf(Replay.SampledBatch.class,
        kit.<Replay.SampleReply>runCommand(r -> new Replay.Sample(1, null, 10, 0, r)).reply());
    testKit.createTestProbe().awaitAssert(Duration.ofSeconds(10), () -> {
      assertEquals(List.of(Replay.Inserted.class, Replay.Sampled.class),
          kit.persistenceTestKit().persistedInStorage("replay-write-behind").stream().map(Object::getClass).toList());
      return null;
    });
    kit.restart();
    assertEquals(1, kit.<Replay.Stats>runCommand(Replay.GetStats::new).reply().itemsSampled());
  }

  private static Replay.SampledBatch sample(EventSourcedBehaviorTestKit<Replay.Command, Replay.Event, Replay.State> kit) {
    return assertInstanceOf(Replay.SampledBatch.class,
        kit.<Replay.SampleReply>runCommand(r -> new Replay.Sample(4, null, 10, 0, r)).reply());
  }

  @Test
  void anUpdateShapesTheNextDrawAndIsJournaledBeforeIt() {
    var updated = kit(settings("replay-updated", 20, RateLimiter.minSize(1), 100));
    var none = kit(settings("replay-none", 20, RateLimiter.minSize(1), 100));
    for (var kit : List.of(updated, none)) {
      for (int i = 0; i < 12; i++) {
        insert(kit, group("g" + i, i % 3, i, 0, i % 2));
      }
    }
    Replay.SampledBatch first = sample(updated);
    assertEquals(first.keys(), sample(none).keys());
    double[] raised = new double[first.keys().size()];
    java.util.Arrays.fill(raised, 1000); // the first batch's items now all but own the sampling mass
    assertInstanceOf(Replay.PrioritiesUpdated.class,
        updated.<Replay.UpdateReply>runCommand(r -> new Replay.UpdatePriorities(first.keys(), raised, r)).reply());
    Replay.SampledBatch afterUpdate = sample(updated);
    assertTrue(!sample(none).keys().equals(afterUpdate.keys()), "the update shaped the draw");
    assertEquals(List.of(Replay.Sampled.class, Replay.PrioritiesSet.class, Replay.Sampled.class),
        updated.<Replay.Flushed>runCommand(Replay.Flush::new).events().stream().map(Object::getClass).toList(),
        "the first sample, then the update, then the draw it shaped");

    var store = updated.getState().store();
    updated.restart();
    PrioritizedStoreTest.assertStoresEqual(store, updated.getState().store());
  }

  @Test
  void anUpdateIsSetWhileASampleWaits() {
    var replay = testKit.spawn(Replay.create(settings("replay-wait", 6, RateLimiter.minSize(2), 100), 7));
    TestProbe<Replay.InsertResult> acks = testKit.createTestProbe();
    replay.tell(new Replay.Insert(List.of(group("a", 0, 1, 0)), acks.getRef()));
    acks.receiveMessage();
    TestProbe<Replay.SampleReply> sampler = testKit.createTestProbe();
    replay.tell(new Replay.Sample(1, null, 10, 10_000, sampler.getRef()));
    TestProbe<Replay.UpdateReply> updates = testKit.createTestProbe();
    replay.tell(new Replay.UpdatePriorities(List.of(new SampleKey("a", 0)), new double[] {7}, updates.getRef()));
    updates.expectMessageClass(Replay.PrioritiesUpdated.class);
    TestProbe<Replay.Stats> stats = testKit.createTestProbe();
    replay.tell(new Replay.GetStats(stats.getRef()));
    Replay.Stats waiting = stats.receiveMessage();
    assertEquals(1, waiting.waitingSamplers());
    assertEquals(7, waiting.maxPriority(), "the update is in while the draw waits");
    replay.tell(new Replay.Insert(List.of(group("b", 0, 1, 0)), acks.getRef()));
    assertEquals(1, assertInstanceOf(Replay.SampledBatch.class, sampler.receiveMessage()).items().size());
  }

  @Test
  void badSamplesAndUpdatesAreRefused() {
    var kit = kit(settings(6, RateLimiter.minSize(1), 100));
    insert(kit, group("a", 0, 1, 0));
    assertInstanceOf(Replay.SampleRefused.class, kit.<Replay.SampleReply>runCommand(r -> new Replay.Sample(0, null, 1, 0, r)).reply());
    assertInstanceOf(Replay.SampleRefused.class, kit.<Replay.SampleReply>runCommand(r -> new Replay.Sample(65, null, 1, 0, r)).reply());
    assertInstanceOf(Replay.SampleRefused.class, kit.<Replay.SampleReply>runCommand(r -> new Replay.Sample(1, 1.5, 1, 0, r)).reply());
    Replay.UpdateRejected nan =
        assertInstanceOf(
            Replay.UpdateRejected.class,
            kit.<Replay.UpdateReply>runCommand(
                    r -> new Replay.UpdatePriorities(List.of(new SampleKey("a", 0)), new double[] {Double.NaN}, r))
                .reply());
    assertTrue(nan.reason().contains("priority 0 (for a) is NaN"), nan.reason());
    assertInstanceOf(
        Replay.UpdateRejected.class,
        kit.<Replay.UpdateReply>runCommand(r -> new Replay.UpdatePriorities(List.of(), new double[] {1}, r)).reply());
    Replay.UpdateRejected negative = assertInstanceOf(Replay.UpdateRejected.class,
        kit.<Replay.UpdateReply>runCommand(r -> new Replay.UpdatePriorities(List.of(new SampleKey("a", 0)), new double[] {-1}, r))
            .reply());
    assertTrue(negative.reason().contains("priority 0 (for a) is -1.0"), negative.reason());
    assertEquals(new Replay.Flushed(0), kit.<Replay.Flushed>runCommand(Replay.Flush::new).reply(), "nothing set, nothing drawn");
  }

  @Test
  void theRateLimiterHoldsSamplersAndReleasesThemOnInsert() {
    var replay = testKit.spawn(Replay.create(settings(10, RateLimiter.minSize(3), 100).withPersistenceId("limited"), 1));
    TestProbe<Replay.SampleReply> sampler = testKit.createTestProbe();
    TestProbe<Replay.InsertResult> inserter = testKit.createTestProbe();
    replay.tell(new Replay.Sample(2, 1.0, 10, 10_000, sampler.getRef()));
    replay.tell(new Replay.Insert(List.of(group("a", 0, 1, 0), group("b", 0, 0, 1)), inserter.getRef()));
    inserter.receiveMessage();
    sampler.expectNoMessage(Duration.ofMillis(200));
    TestProbe<Replay.Stats> stats = testKit.createTestProbe();
    replay.tell(new Replay.GetStats(stats.getRef()));
    assertEquals(1, stats.receiveMessage().waitingSamplers());
    replay.tell(new Replay.Insert(List.of(group("c", 0, 1, 1)), inserter.getRef()));
    Replay.SampledBatch batch = assertInstanceOf(Replay.SampledBatch.class, sampler.receiveMessage());
    assertEquals(2, batch.items().size());
    // a sampler that waits too long hears why
    TestProbe<Replay.SampleReply> late = testKit.createTestProbe();
    replay.tell(new Replay.Sample(2, 1.0, 10, 0, late.getRef()));
    assertInstanceOf(Replay.SampledBatch.class, late.receiveMessage());
    var strict = testKit.spawn(Replay.create(settings(10, RateLimiter.minSize(5), 100).withPersistenceId("strict"), 1));
    strict.tell(new Replay.Sample(1, 1.0, 10, 300, late.getRef()));
    Replay.SampleRefused refused = assertInstanceOf(Replay.SampleRefused.class, late.receiveMessage());
    assertTrue(
        refused.reason().startsWith("timed out after 300 ms waiting: the replay holds 0 items, fewer than the 5 needed"),
        refused.reason());
  }

  @Test
  void insertsInABatchShareOneWrite() {
    var kit = kit(settings(10, RateLimiter.minSize(1), 100));
    TestProbe<Replay.InsertResult> a = testKit.createTestProbe();
    TestProbe<Replay.InsertResult> b = testKit.createTestProbe();
    var result =
        kit.<BatchWritten>runCommand(
            r -> new Replay.InsertBatch(
                List.of(
                    new Replay.Insert(List.of(group("x", 0, 1, 0)), a.getRef()),
                    new Replay.Insert(List.of(group("x", 0, 1, 0), group("y", 0, 0, 1)), b.getRef())),
                r));
    assertEquals(new BatchWritten(2), result.reply());
    assertEquals(1, result.events().size());
    assertEquals(List.of("x"), a.receiveMessage().accepted());
    Replay.InsertResult second = b.receiveMessage();
    assertEquals(List.of("y"), second.accepted());
    assertEquals(List.of("x"), second.duplicates());
  }
}
