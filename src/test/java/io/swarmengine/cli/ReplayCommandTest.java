package io.swarmengine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swarmengine.persistence.JournalSchema;
import io.swarmengine.persistence.SwarmConfig;
import io.swarmengine.replay.Episode;
import io.swarmengine.replay.EpisodeGroup;
import io.swarmengine.replay.Replay;
import io.swarmengine.replay.ReplayInspection;
import io.swarmengine.replay.ReplaySettings;
import io.swarmengine.replay.Turn;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplayCommandTest {
  @TempDir Path dataDir;

  private static EpisodeGroup group(int n) {
    List<Episode> episodes = new ArrayList<>();
    for (int e = 0; e < 4; e++) {
      episodes.add(new Episode(List.of(new Turn(new int[] {1, 2}, new int[] {3}, new float[] {-0.1f}, e * (n % 3)))));
    }
    return new EpisodeGroup("g" + n, 100 + n, "w", n / 4, episodes, Map.of(), 0);
  }

  @Test
  void statsPrintsThePersistedReplay() throws Exception {
    ActorTestKit kit = ActorTestKit.create("replay-cli", SwarmConfig.forDataDir(dataDir));
    ReplayInspection expected;
    try {
      JournalSchema.ensure(kit.system(), Duration.ofSeconds(30));
      ActorRef<Replay.Command> replay =
          kit.spawn(Replay.create(ReplaySettings.fromConfig(kit.system().settings().config()), 1));
      TestProbe<Replay.InsertResult> acks = kit.createTestProbe();
      List<EpisodeGroup> groups = new ArrayList<>();
      for (int n = 0; n < 12; n++) {
        groups.add(group(n));
      }
      replay.tell(new Replay.Insert(groups, acks.getRef()));
      assertEquals(12, acks.receiveMessage().accepted().size());
      TestProbe<ReplayInspection> probe = kit.createTestProbe();
      replay.tell(new Replay.Inspect(probe.getRef()));
      expected = probe.receiveMessage();
    } finally {
      kit.shutdownTestKit();
    }

    PolicyCommandTest.Result r = PolicyCommandTest.swarm("replay", "stats", "--data", dataDir.toString());
    assertEquals(0, r.status(), r.err());
    JsonNode json = new ObjectMapper().readTree(r.out());
    assertEquals(12, json.get("size").asInt());
    assertEquals(100, json.get("oldest_position").asLong());
    assertEquals(111, json.get("newest_position").asLong());
    assertEquals(4, json.get("adapter_versions").get("2").asInt());
    assertEquals(expected.digest(), json.get("digest").asText());
    assertEquals(expected.totalPriority(), json.get("total_priority").asDouble(), 1e-12);
    int histogramCount = 0;
    for (JsonNode bin : json.get("priority_histogram")) {
      histogramCount += bin.get("count").asInt();
    }
    assertEquals(12, histogramCount);
    assertEquals(12, json.get("stats").get("inserts").asInt());

    PolicyCommandTest.Result missing = PolicyCommandTest.swarm("replay", "stats", "--data", dataDir.resolve("nope").toString());
    assertEquals(2, missing.status());
    assertTrue(missing.err().startsWith("error: no run in"), missing.err());
    assertEquals("", missing.out());
  }
}
