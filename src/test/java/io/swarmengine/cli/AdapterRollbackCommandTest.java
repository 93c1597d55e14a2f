package io.swarmengine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.actor.typed.pubsub.Topic;
import io.swarmengine.adapter.AdapterHub;
import io.swarmengine.adapter.AdapterStore;
import io.swarmengine.model.GptConfig;
import io.swarmengine.model.LoraAdapter;
import io.swarmengine.persistence.JournalSchema;
import io.swarmengine.persistence.SwarmConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdapterRollbackCommandTest {
  @TempDir Path data;

  @Test
  void rollbackMarksLaterVersionsBadInAStoppedRun() throws Exception {
    ActorTestKit kit = ActorTestKit.create("hub-run", SwarmConfig.forDataDir(data));
    try {
      JournalSchema.ensure(kit.system(), Duration.ofSeconds(30));
      AdapterStore store = new AdapterStore(data);
      ActorRef<Topic.Command<AdapterHub.AdapterPublished>> topic =
          kit.spawn(Topic.create(AdapterHub.AdapterPublished.class, AdapterHub.TOPIC));
      ActorRef<AdapterHub.Command> hub = kit.spawn(AdapterHub.create("adapter-hub", store, topic, Clock.systemUTC(), 1000));
      GptConfig config = new GptConfig(1, 2, 8, 16, 20, 1e-5f, true);
      TestProbe<AdapterHub.PublishReply> replies = kit.createTestProbe();
      for (long seed = 1; seed <= 3; seed++) {
        AdapterStore.Stored s =
            store.put(LoraAdapter.create(config, new LoraAdapter.Settings(2, 4f, 0f, List.of("c_attn"), "b"), seed));
        hub.tell(new AdapterHub.Publish(s.sha256(), s.sizeBytes(), seed - 1, Map.of(), replies.getRef()));
        replies.expectMessageClass(AdapterHub.Published.class);
      }
    } finally {
      kit.shutdownTestKit();
    }
    PolicyCommandTest.Result r = PolicyCommandTest.swarm("adapter", "rollback", "--data", data.toString(), "--to", "1");
    assertEquals(0, r.status(), r.err());
    assertEquals("{\"rolled_back_to\": 1, \"marked_bad\": [2, 3]}", r.out().strip());
    PolicyCommandTest.Result bad = PolicyCommandTest.swarm("adapter", "rollback", "--data", data.toString(), "--to", "3");
    assertEquals(2, bad.status());
    assertTrue(bad.err().startsWith("error: version 3 is itself marked bad"), bad.err());
    PolicyCommandTest.Result none = PolicyCommandTest.swarm("adapter", "rollback", "--data", data.resolve("x").toString(), "--to", "1");
    assertEquals(2, none.status());
    assertTrue(none.err().contains("no run in"), none.err());
  }
}
