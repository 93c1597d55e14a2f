package io.swarmengine.cursor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import com.typesafe.config.ConfigFactory;
import io.swarmengine.persistence.BatchWritten;
import io.swarmengine.policy.CompiledPolicy.Run;
import io.swarmengine.policy.PolicyAction;
import io.swarmengine.policy.PolicySpec;
import io.swarmengine.policy.TrainScope;
import io.swarmengine.testing.ManualClock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PolicyCursorTest {
  static final ActorTestKit testKit =
      ActorTestKit.create(
          EventSourcedBehaviorTestKit.config().withFallback(ConfigFactory.load()));

  static final CursorSettings SETTINGS =
      new CursorSettings("cursor-test", Duration.ofSeconds(60), 50, 64, 5, 2);

  private ManualClock clock;
  private EventSourcedBehaviorTestKit<PolicyCursor.Command, PolicyCursor.Event, CursorState> kit;

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void start() throws Exception {
    clock = new ManualClock(1_000_000);
    kit = cursor("schedule=0..10:infer|10..100%:train(scope=attn,opt=adam,lr=0.01)|repeat(0..100%,period=4,pattern=1:train)", 30L);
  }

  private EventSourcedBehaviorTestKit<PolicyCursor.Command, PolicyCursor.Event, CursorState> cursor(
      String spec, Long total) throws Exception {
    return EventSourcedBehaviorTestKit.create(
        testKit.system(),
        PolicyCursor.create(PolicySpec.parse(spec, TrainScope.GPT2_SCOPES), total, SETTINGS, clock));
  }

  private PolicyCursor.LeaseReply lease(String worker, int max) {
    return kit.<PolicyCursor.LeaseReply>runCommand(
            replyTo -> new PolicyCursor.Lease(worker, max, replyTo))
        .reply();
  }

  private PolicyCursor.CompleteReply complete(String worker, long from, long to) {
    return kit.<PolicyCursor.CompleteReply>runCommand(
            replyTo -> new PolicyCursor.Complete(worker, from, to, replyTo))
        .reply();
  }

  private static List<PositionRange> ranges(PolicyCursor.LeaseReply reply) {
    PolicyCursor.Leased leased = assertInstanceOf(PolicyCursor.Leased.class, reply);
    List<PositionRange> out = List.of();
    for (Run run : leased.runs()) {
      out = PositionRange.add(out, run.from(), run.to());
    }
    return out;
  }

  @Test
  void leasesRunsOfTheSchedule() {
    PolicyCursor.Leased leased = assertInstanceOf(PolicyCursor.Leased.class, lease("w1", 14));
    List<Run> runs = leased.runs();
    assertEquals(0, runs.get(0).from());
    assertEquals(10, runs.get(0).to());
    assertEquals(PolicyAction.INFER, runs.get(0).action());
    assertEquals(10, runs.get(1).from());
    assertEquals(14, runs.get(1).to());
    assertInstanceOf(PolicyAction.Train.class, runs.get(1).action());
    assertEquals(14, leased.positions());
    assertEquals(1_000_000 + 60_000, leased.expiresAtMillis());
    assertEquals(14, kit.getState().frontier());
    // the next lease continues at the frontier
    assertEquals(List.of(new PositionRange(14, 20)), ranges(lease("w2", 6)));
  }

  @Test
  void completionIsRecordedOnceAndRangesAreChecked() {
    lease("w1", 10);
    assertEquals(new PolicyCursor.Completed(0, 4, 4), complete("w1", 0, 4));
    assertEquals(new PolicyCursor.Completed(2, 6, 2), complete("w1", 2, 6));
    var again = kit.<PolicyCursor.CompleteReply>runCommand(r -> new PolicyCursor.Complete("w1", 0, 6, r));
    assertEquals(new PolicyCursor.Completed(0, 6, 0), again.reply());
    assertTrue(again.events().isEmpty(), "nothing new, nothing written");
    PolicyCursor.CompleteRejected beyond =
        assertInstanceOf(PolicyCursor.CompleteRejected.class, complete("w1", 8, 12));
    assertTrue(beyond.reason().contains("[10, 12) were never leased"), beyond.reason());
    assertInstanceOf(PolicyCursor.CompleteRejected.class, complete("w1", 5, 5));
    assertEquals(6, kit.getState().completedCount());
    assertEquals(6, kit.getState().firstIncomplete());
    // the open lease keeps only what is not done
    assertEquals(List.of(new PositionRange(6, 10)), kit.getState().leases().get(0).ranges());
  }

  @Test
  void expiredLeasesGoToTheNextAskerAndCompletedPositionsNever() {
    lease("w1", 10);
    complete("w1", 0, 3);
    complete("w1", 5, 6);
    assertEquals(List.of(new PositionRange(10, 15)), ranges(lease("w2", 5)));
    clock.advance(Duration.ofSeconds(59));
    assertEquals(List.of(new PositionRange(15, 16)), ranges(lease("w3", 1)), "not expired yet");
    clock.advance(Duration.ofSeconds(1));
    // w1's lease expired: its undone positions 3,4,6..9 come first, then w2's (expired too) 10..14
    assertEquals(
        List.of(new PositionRange(3, 5), new PositionRange(6, 10), new PositionRange(10, 12)).stream()
            .reduce(List.<PositionRange>of(), (s, r) -> PositionRange.add(s, r.from(), r.to()), (a, b) -> a),
        ranges(lease("w4", 8)));
    // the late worker completes what it still had: accepted, and the positions leave w4's lease
    assertEquals(new PolicyCursor.Completed(6, 8, 2), complete("w1", 6, 8));
    CursorState state = kit.getState();
    CursorState.OpenLease w4 =
        state.leases().stream().filter(l -> l.workerId().equals("w4")).findFirst().orElseThrow();
    assertEquals(List.of(new PositionRange(3, 5), new PositionRange(8, 12)), w4.ranges());
    for (CursorState.OpenLease l : state.leases()) {
      for (PositionRange r : l.ranges()) {
        assertEquals(0, PositionRange.overlap(state.completed(), r.from(), r.to()), "leased and done: " + l);
      }
    }
  }

  @Test
  void aRestartedEngineExpiresItsOwnWorkersLeasesAtOnceAndNoOneElses() {
    lease("worker-0", 5);
    lease("worker-1", 5);
    assertEquals(List.of(new PositionRange(10, 15)), ranges(lease("elsewhere", 5)));
    complete("worker-0", 0, 2);
    var result = kit.<PolicyCursor.LeasesExpired>runCommand(
        r -> new PolicyCursor.ExpireLeases(List.of("worker-0", "worker-1"), r));
    assertEquals(2, result.reply().leases());
    // no time has passed: their undone positions go to the next asker, lowest first; the other lease stands
    assertEquals(List.of(new PositionRange(2, 10)), ranges(lease("worker-1", 8)));
    assertEquals(List.of(new PositionRange(15, 20)), ranges(lease("worker-0", 5)), "not the other worker's");
    CursorState before = kit.getState();
    kit.restart();
    assertEquals(before, kit.getState(), "the expiry is journaled");
    var nothing = kit.<PolicyCursor.LeasesExpired>runCommand(r -> new PolicyCursor.ExpireLeases(List.of("nobody"), r));
    assertEquals(0, nothing.reply().leases());
    assertTrue(nothing.events().isEmpty(), "nothing to expire, nothing written");
  }

  @Test
  void finishedOnlyWhenEveryPositionIsDone() {
    assertEquals(List.of(new PositionRange(0, 30)), ranges(lease("w1", 100)));
    PolicyCursor.AllLeased wait = assertInstanceOf(PolicyCursor.AllLeased.class, lease("w2", 5));
    assertEquals(60_000, wait.retryAfterMillis());
    complete("w1", 0, 29);
    assertInstanceOf(PolicyCursor.AllLeased.class, lease("w2", 5));
    complete("w1", 29, 30);
    assertEquals(new PolicyCursor.Finished(30), lease("w2", 5));
    PolicyCursor.Progress progress =
        kit.<PolicyCursor.Progress>runCommand(PolicyCursor.GetProgress::new).reply();
    assertTrue(progress.finished());
    assertEquals(30, progress.completedPositions());
    assertEquals(0, progress.openLeases());
  }

  @Test
  void leasesAreCappedAtMaxLease() throws Exception {
    kit = cursor("schedule=repeat(0..1000000,period=2,pattern=1:infer+1:train)", null);
    PolicyCursor.Leased leased = assertInstanceOf(PolicyCursor.Leased.class, lease("w", Integer.MAX_VALUE));
    assertEquals(50, leased.positions());
    assertEquals(50, leased.runs().size());
  }

  @Test
  void badLeasesAreRefused() {
    assertInstanceOf(PolicyCursor.LeaseRejected.class, lease("w1", 0));
    assertInstanceOf(PolicyCursor.LeaseRejected.class, lease(" ", 3));
  }

  @Test
  void restartRecoversEveryLeaseAndCompletion() {
    for (int i = 0; i < 6; i++) {
      lease("w" + i, 4);
      complete("w" + i, i * 4, i * 4 + 2);
    }
    CursorState before = kit.getState();
    kit.restart();
    assertEquals(before, kit.getState());
    assertEquals(List.of(new PositionRange(24, 28)), ranges(lease("w9", 4)));
  }

  @Test
  void batchesDecideCompletionsFirstAndAnswerEveryone() {
    var p1 = testKit.<PolicyCursor.LeaseReply>createTestProbe();
    var p2 = testKit.<PolicyCursor.CompleteReply>createTestProbe();
    var p3 = testKit.<PolicyCursor.Progress>createTestProbe();
    lease("w0", 5);
    var result =
        kit.<BatchWritten>runCommand(
            replyTo ->
                new PolicyCursor.Batch(
                    List.of(
                        new PolicyCursor.Lease("w1", 3, p1.getRef()),
                        new PolicyCursor.Complete("w0", 0, 5, p2.getRef()),
                        new PolicyCursor.GetProgress(p3.getRef())),
                    replyTo));
    assertEquals(new BatchWritten(3), result.reply());
    assertEquals(1, result.events().size(), "one write for the whole batch");
    assertEquals(List.of(new PositionRange(5, 8)), ranges(p1.receiveMessage()));
    assertEquals(new PolicyCursor.Completed(0, 5, 5), p2.receiveMessage());
    PolicyCursor.Progress progress = p3.receiveMessage();
    assertEquals(8, progress.nextPosition());
    assertEquals(5, progress.completedPositions());
  }

  @Test
  void unboundedRunsNeverFinish() throws Exception {
    kit = cursor("schedule=0..5:infer|5..10:train", null);
    List<Run> runs = assertInstanceOf(PolicyCursor.Leased.class, lease("w", 12)).runs();
    assertEquals(
        List.of(
            new Run(0, 5, PolicyAction.INFER),
            new Run(5, 10, PolicyAction.Train.DEFAULT),
            new Run(10, 12, PolicyAction.INFER)),
        runs);
  }
}
