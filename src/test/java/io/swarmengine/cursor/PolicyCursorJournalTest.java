package io.swarmengine.cursor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import com.typesafe.config.Config;
import io.swarmengine.persistence.JournalSchema;
import io.swarmengine.persistence.SwarmConfig;
import io.swarmengine.policy.CompiledPolicy.Run;
import io.swarmengine.policy.PolicyAction;
import io.swarmengine.policy.PolicySpec;
import io.swarmengine.policy.TrainScope;
import io.swarmengine.testing.JournalRows;
import io.swarmengine.testing.ManualClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cursor on the real embedded H2 journal, across whole actor-system restarts. */
class PolicyCursorJournalTest {
  static final String SPEC = "schedule=0..50:infer|50..100%:train(scope=attn+ffn,opt=adam,lr=3e-4,stride=8)";

  @TempDir Path dataDir;

  private final ManualClock clock = new ManualClock(5_000_000);

  private ActorTestKit startSystem(String name) {
    Config config = SwarmConfig.forDataDir(dataDir);
    ActorTestKit kit = ActorTestKit.create(name, config);
    JournalSchema.ensure(kit.system(), Duration.ofSeconds(30));
    return kit;
  }

  private ActorRef<PolicyCursor.Command> spawnCursor(ActorTestKit kit, String spec, long total)
      throws Exception {
    CursorSettings settings = new CursorSettings("cursor", Duration.ofSeconds(30), 1000, 256, 10, 2);
    return kit.spawn(
        PolicyCursor.batched(PolicySpec.parse(spec, TrainScope.GPT2_SCOPES), total, settings, clock));
  }

  private static PolicyCursor.Progress progress(ActorTestKit kit, ActorRef<PolicyCursor.Command> cursor) {
    TestProbe<PolicyCursor.Progress> probe = kit.createTestProbe();
    cursor.tell(new PolicyCursor.GetProgress(probe.getRef()));
    return probe.receiveMessage(Duration.ofSeconds(10));
  }

  @Test
  void concurrentWorkersGetDisjointPositionsAndARestartedSystemContinues() throws Exception {
    ActorTestKit first = startSystem("first");
    ActorRef<PolicyCursor.Command> cursor = spawnCursor(first, SPEC, 1000);
    List<TestProbe<PolicyCursor.LeaseReply>> workers = new ArrayList<>();
    for (int w = 0; w < 20; w++) {
      TestProbe<PolicyCursor.LeaseReply> probe = first.createTestProbe();
      workers.add(probe);
      cursor.tell(new PolicyCursor.Lease("w" + w, 16, probe.getRef()));
    }
    boolean[] seen = new boolean[320];
    TestProbe<PolicyCursor.CompleteReply> acks = first.createTestProbe();
    for (int w = 0; w < workers.size(); w++) {
      PolicyCursor.Leased leased =
          assertInstanceOf(PolicyCursor.Leased.class, workers.get(w).receiveMessage(Duration.ofSeconds(10)));
      for (Run run : leased.runs()) {
        for (long p = run.from(); p < run.to(); p++) {
          assertTrue(!seen[(int) p], "position " + p + " handed out twice");
          seen[(int) p] = true;
          assertEquals(p < 50 ? "infer" : "train", run.action() instanceof PolicyAction.Train ? "train" : "infer");
        }
      }
      // the first ten workers finish their work; the other ten are still busy when the system stops
      if (w < 10) {
        Run last = leased.runs().get(leased.runs().size() - 1);
        cursor.tell(new PolicyCursor.Complete("w" + w, leased.runs().get(0).from(), last.to(), acks.getRef()));
      }
    }
    for (int i = 0; i < 10; i++) {
      assertInstanceOf(PolicyCursor.Completed.class, acks.receiveMessage(Duration.ofSeconds(10)));
    }
    for (boolean s : seen) {
      assertTrue(s);
    }
    PolicyCursor.Progress before = progress(first, cursor);
    assertEquals(320, before.nextPosition());
    assertEquals(160, before.completedPositions());
    assertEquals(10, before.openLeases());
    first.shutdownTestKit();

    ActorTestKit second = startSystem("second");
    try {
      ActorRef<PolicyCursor.Command> recovered = spawnCursor(second, SPEC, 1000);
      assertEquals(before, progress(second, recovered));
      TestProbe<PolicyCursor.LeaseReply> probe = second.createTestProbe();
      recovered.tell(new PolicyCursor.Lease("late", 4, probe.getRef()));
      PolicyCursor.Leased fresh = assertInstanceOf(PolicyCursor.Leased.class, probe.receiveMessage());
      assertEquals(320, fresh.runs().get(0).from(), "open leases survive the restart");
      clock.advance(Duration.ofSeconds(31));
      recovered.tell(new PolicyCursor.Lease("late", 16, probe.getRef()));
      PolicyCursor.Leased reissued = assertInstanceOf(PolicyCursor.Leased.class, probe.receiveMessage());
      assertEquals(160, reissued.runs().get(0).from(), "the lowest expired lease is handed out again");
    } finally {
      second.shutdownTestKit();
    }
  }

  @Test
  void snapshotsDeleteOldEventsAndAChangedScheduleKeepsTheProgress() throws Exception {
    ActorTestKit first = startSystem("snapshots");
    ActorRef<PolicyCursor.Command> cursor = spawnCursor(first, SPEC, 1000);
    TestProbe<PolicyCursor.LeaseReply> leases = first.createTestProbe();
    TestProbe<PolicyCursor.CompleteReply> acks = first.createTestProbe();
    for (int i = 0; i < 35; i++) {
      cursor.tell(new PolicyCursor.Lease("w", 2, leases.getRef()));
      leases.receiveMessage(Duration.ofSeconds(10));
      cursor.tell(new PolicyCursor.Complete("w", 2L * i, 2L * i + 2, acks.getRef()));
      acks.receiveMessage(Duration.ofSeconds(10));
    }
    PolicyCursor.Progress before = progress(first, cursor);
    Config config = SwarmConfig.forDataDir(dataDir);
    // 71 events were written (one schedule, 70 progress); a snapshot every 10, two kept, and the
    // events before the older of them deleted (in the background, hence the wait)
    acks.awaitAssert(
        Duration.ofSeconds(10),
        () -> {
          // events 51..71 stay; the journal keeps event 50's row, marked deleted, as a high-water mark
          assertEquals(21, JournalRows.count(config, "SELECT COUNT(*) FROM \"event_journal\" WHERE NOT \"deleted\""));
          assertEquals(22, JournalRows.count(config, "SELECT COUNT(*) FROM \"event_journal\""));
          // Akka deletes snapshots older than the kept two with one lag, so 2 or 3 remain of 7
          long snapshots = JournalRows.count(config, "SELECT COUNT(*) FROM \"snapshot\"");
          assertTrue(snapshots >= 2 && snapshots <= 3, snapshots + " snapshots");
          return null;
        });
    first.shutdownTestKit();

    ActorTestKit second = startSystem("changed");
    try {
      ActorRef<PolicyCursor.Command> changed = spawnCursor(second, "schedule=0..100%:train(opt=adam)", 100);
      PolicyCursor.Progress after = progress(second, changed);
      assertEquals(before.completedPositions(), after.completedPositions());
      assertEquals(100L, after.total());
      assertEquals(
          "schedule=0..100%:train(scope=all,opt=adam,lr=0.001,stride=1,bptt=1,clip=0,momentum=0.9)",
          after.spec());
      TestProbe<PolicyCursor.LeaseReply> probe = second.createTestProbe();
      changed.tell(new PolicyCursor.Lease("w", 100, probe.getRef()));
      PolicyCursor.Leased rest = assertInstanceOf(PolicyCursor.Leased.class, probe.receiveMessage());
      assertEquals(List.of(new Run(70, 100, rest.runs().get(0).action())), rest.runs());
      assertInstanceOf(PolicyAction.Train.class, rest.runs().get(0).action());
    } finally {
      second.shutdownTestKit();
    }
  }
}
