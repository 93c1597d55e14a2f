package io.swarmengine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.actor.typed.pubsub.Topic;
import io.swarmengine.adapter.AdapterHub;
import io.swarmengine.adapter.AdapterStore;
import io.swarmengine.engine.EngineSettings;
import io.swarmengine.engine.SwarmEngine;
import io.swarmengine.model.Gpt2;
import io.swarmengine.model.GptConfig;
import io.swarmengine.model.LoraAdapter;
import io.swarmengine.model.ops.Parallel;
import io.swarmengine.persistence.JournalSchema;
import io.swarmengine.persistence.SwarmConfig;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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

  @Test
  void aRunWhoseNewestAdapterLostItsFilesIsRefusedAtTheStartAndARollbackLetsItGoOn() throws Exception {
    Config config = SwarmConfig.load(ConfigFactory.parseMap(Map.of(
        "swarm.data-dir", data.toString(),
        "swarm.task", "arithmetic:9",
        "swarm.positions", 24,
        "swarm.schedule", "schedule=0..100%:train(scope=attn,opt=sgd,lr=0.05,stride=4)",
        "swarm.model.layers", 1,
        "swarm.model.heads", 2,
        "swarm.model.embd", 16,
        "swarm.model.context", 16,
        "swarm.rollout.max-tokens", 3,
        "swarm.workers.count", 1)));
    EngineSettings settings = EngineSettings.from(config);
    Gpt2.random(settings.freshModel(), 1, Parallel.sequential()).save(data.resolve("base"));
    AdapterStore store = new AdapterStore(data);
    List<AdapterStore.Stored> stored = new java.util.ArrayList<>();
    ActorTestKit kit = ActorTestKit.create("hub-run", config);
    try {
      JournalSchema.ensure(kit.system(), Duration.ofSeconds(30));
      ActorRef<AdapterHub.Command> hub = kit.spawn(AdapterHub.create("adapter-hub", store,
          kit.spawn(Topic.create(AdapterHub.AdapterPublished.class, AdapterHub.TOPIC)), Clock.systemUTC(), 1000));
      TestProbe<AdapterHub.PublishReply> replies = kit.createTestProbe();
      for (long n = 1; n <= 3; n++) {
        AdapterStore.Stored s = store.put(LoraAdapter.create(settings.freshModel(), settings.lora(), n));
        stored.add(s);
        hub.tell(new AdapterHub.Publish(s.sha256(), s.sizeBytes(), n - 1, Map.of(), replies.getRef()));
        replies.expectMessageClass(AdapterHub.Published.class);
      }
    } finally {
      kit.shutdownTestKit();
    }
    Path weights3 = store.path(stored.get(2).sha256()).resolve("adapter_model.safetensors");
    byte[] bytes = Files.readAllBytes(weights3);
    bytes[bytes.length - 1] ^= 1;
    Files.write(weights3, bytes);
    Files.delete(store.path(stored.get(1).sha256()).resolve("adapter_config.json"));

    IllegalStateException refused = assertThrows(IllegalStateException.class, () -> SwarmEngine.start(config).close());
    String why = refused.getMessage();
    assertTrue(why.startsWith("adapter version 3, the run's newest good one, cannot be loaded: ") && why.contains("is corrupt"), why);
    assertTrue(why.endsWith("go back to version 1 with: swarm adapter rollback --data " + data + " --to 1"),
        "version 2 lost a file, so version 1 is the way back: " + why);

    PolicyCommandTest.Result back = PolicyCommandTest.swarm("adapter", "rollback", "--data", data.toString(), "--to", "2");
    assertEquals(2, back.status(), "version 2's files are damaged too: " + back.out());
    assertTrue(back.err().contains("the files of version 2 cannot be read"), back.err());
    assertEquals(0, PolicyCommandTest.swarm("adapter", "rollback", "--data", data.toString(), "--to", "1").status());

    try (SwarmEngine engine = SwarmEngine.start(config)) { // the refused start left the folder unlocked
      engine.finished().get(120, TimeUnit.SECONDS);
      AdapterHub.Versions versions = akka.actor.typed.javadsl.AskPattern.<AdapterHub.Command, AdapterHub.Versions>ask(
              engine.adapterHub(), AdapterHub.GetVersions::new, Duration.ofSeconds(10), engine.system().scheduler())
          .toCompletableFuture().get(10, TimeUnit.SECONDS);
      AdapterHub.Version fourth = versions.all().get(3);
      assertEquals(4, fourth.number());
      assertEquals(1, fourth.parent(), "training went on from version 1");
    }
  }
}
