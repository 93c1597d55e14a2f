package io.swarmengine.replay;

import static io.swarmengine.replay.TestGroups.group;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.swarmengine.persistence.JournalSchema;
import io.swarmengine.persistence.SwarmConfig;
import io.swarmengine.testing.JournalRows;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The replay on the real H2 journal: concurrent durable inserts, then a whole system restart. */
class ReplayJournalTest {
  @TempDir Path dataDir;

  private Config config() {
    return SwarmConfig.load(
        ConfigFactory.parseMap(
            Map.of(
                "swarm.data-dir", dataDir.toString(),
                "swarm.replay.capacity", "50",
                "swarm.replay.snapshot-every", "2",
                "swarm.replay.max-times-sampled", "3")));
  }

  private ReplayInspection inspect(ActorTestKit kit, ActorRef<Replay.Command> replay) {
    TestProbe<ReplayInspection> probe = kit.createTestProbe();
    replay.tell(new Replay.Inspect(probe.getRef()));
    return probe.receiveMessage(Duration.ofSeconds(30));
  }

  @Test
  void acknowledgedGroupsSurviveASystemRestartExactly() {
    ActorTestKit first = ActorTestKit.create("replay-first", config());
    ReplayInspection before;
    try {
      JournalSchema.ensure(first.system(), Duration.ofSeconds(30));
      ReplaySettings settings = ReplaySettings.fromConfig(first.system().settings().config());
      ActorRef<Replay.Command> replay = first.spawn(Replay.batched(settings, 3));
      List<TestProbe<Replay.InsertResult>> inserters = new ArrayList<>();
      for (int w = 0; w < 10; w++) {
        TestProbe<Replay.InsertResult> probe = first.createTestProbe();
        inserters.add(probe);
        List<EpisodeGroup> groups = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
          int n = w * 8 + i;
          groups.add(group("g" + n, n, n / 20, Map.of(), n % 3, n % 5, 1));
        }
        replay.tell(new Replay.Insert(groups, probe.getRef()));
      }
      for (TestProbe<Replay.InsertResult> probe : inserters) {
        assertEquals(8, probe.receiveMessage(Duration.ofSeconds(10)).accepted().size());
      }
      TestProbe<Replay.SampleReply> sampler = first.createTestProbe();
      TestProbe<Replay.UpdateReply> updates = first.createTestProbe();
      for (int i = 0; i < 6; i++) {
        replay.tell(new Replay.Sample(8, null, 2, 1000, sampler.getRef()));
        Replay.SampledBatch batch = assertInstanceOf(Replay.SampledBatch.class, sampler.receiveMessage(Duration.ofSeconds(10)));
        double[] priorities = new double[batch.keys().size()];
        for (int k = 0; k < priorities.length; k++) {
          priorities[k] = 0.1 * (i + k + 1);
        }
        replay.tell(new Replay.UpdatePriorities(batch.keys(), priorities, updates.getRef()));
        assertInstanceOf(Replay.PrioritiesUpdated.class, updates.receiveMessage(Duration.ofSeconds(10)));
      }
      // sample counts and priorities are written behind; the engine flushes them when it stops
      TestProbe<Replay.Flushed> flushed = first.createTestProbe();
      replay.tell(new Replay.Flush(flushed.getRef()));
      assertEquals(12, flushed.receiveMessage(Duration.ofSeconds(10)).events(), "6 samples and 6 updates in one write");
      before = inspect(first, replay);
      assertEquals(80, before.stats().inserts());
      assertEquals(48, before.stats().itemsSampled());
      assertTrue(before.stats().evicted() >= 30);
      // snapshots are written in the background, while the replay goes on
      sampler.awaitAssert(
          Duration.ofSeconds(10),
          () -> {
            assertTrue(
                JournalRows.count(config(), "SELECT COUNT(*) FROM \"snapshot\" WHERE \"persistence_id\" = 'replay'") >= 1,
                "binary snapshots written");
            return null;
          });
    } finally {
      first.shutdownTestKit();
    }

    ActorTestKit second = ActorTestKit.create("replay-second", config());
    try {
      JournalSchema.ensure(second.system(), Duration.ofSeconds(30));
      ReplaySettings settings = ReplaySettings.fromConfig(second.system().settings().config());
      ActorRef<Replay.Command> replay = second.spawn(Replay.create(settings, 3));
      assertEquals(before, inspect(second, replay));
    } finally {
      second.shutdownTestKit();
    }
  }
}
