package io.swarmengine.adapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.actor.typed.pubsub.Topic;
import akka.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import com.typesafe.config.ConfigFactory;
import io.swarmengine.model.GptConfig;
import io.swarmengine.model.LoraAdapter;
import io.swarmengine.model.ModelFormatException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdapterHubTest {
  static final ActorTestKit testKit =
      ActorTestKit.create(EventSourcedBehaviorTestKit.config().withFallback(ConfigFactory.load()));

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @TempDir Path data;

  final GptConfig config = new GptConfig(1, 2, 8, 16, 20, 1e-5f, true);

  private LoraAdapter adapter(long seed) {
    return LoraAdapter.create(config, new LoraAdapter.Settings(2, 4f, 0f, List.of("c_attn"), "base"), seed);
  }

  @Test
  void theStoreIsContentAddressedAndRefusesCorruptFiles() throws Exception {
    AdapterStore store = new AdapterStore(data);
    AdapterStore.Stored a = store.put(adapter(1));
    assertEquals(a, store.put(adapter(1)), "the same content, the same address, stored once");
    assertEquals(1, Files.list(data.resolve("adapters")).count());
    AdapterStore.Stored b = store.put(adapter(2));
    assertFalse(a.sha256().equals(b.sha256()));
    assertEquals(adapter(1).tensors().keySet(), store.read(a.sha256(), config).tensors().keySet());
    Path weights = store.path(b.sha256()).resolve("adapter_model.safetensors");
    byte[] bytes = Files.readAllBytes(weights);
    bytes[bytes.length - 1] ^= 1;
    Files.write(weights, bytes);
    ModelFormatException e = assertThrows(ModelFormatException.class, () -> store.read(b.sha256(), config));
    assertTrue(e.getMessage().contains("is corrupt"), e.getMessage());
  }

  @Test
  void versionsArePublishedBroadcastRolledBackAndRecovered() throws Exception {
    AdapterStore store = new AdapterStore(data);
    TestProbe<AdapterHub.AdapterPublished> worker = testKit.createTestProbe();
    ActorRef<Topic.Command<AdapterHub.AdapterPublished>> topic =
        testKit.spawn(Topic.create(AdapterHub.AdapterPublished.class, AdapterHub.TOPIC));
    topic.tell(Topic.subscribe(worker.getRef()));
    var kit =
        EventSourcedBehaviorTestKit.<AdapterHub.Command, AdapterHub.Event, AdapterHub.State>create(
            testKit.system(), AdapterHub.create("hub", store, topic, Clock.systemUTC(), 1000));
    AdapterStore.Stored first = store.put(adapter(1));
    AdapterStore.Stored second = store.put(adapter(2));
    AdapterHub.Published v1 = assertInstanceOf(AdapterHub.Published.class,
        kit.<AdapterHub.PublishReply>runCommand(r -> new AdapterHub.Publish(first.sha256(), first.sizeBytes(), 0, Map.of("loss", 0.5), r)).reply());
    assertEquals(1, v1.version().number());
    assertEquals(v1.version(), worker.receiveMessage().version());
    AdapterHub.Published v2 = assertInstanceOf(AdapterHub.Published.class,
        kit.<AdapterHub.PublishReply>runCommand(r -> new AdapterHub.Publish(second.sha256(), second.sizeBytes(), 1, Map.of(), r)).reply());
    assertEquals(2, v2.version().number());
    assertEquals(1, v2.version().parent());
    assertEquals(v2.version(), worker.receiveMessage().version());

    assertInstanceOf(AdapterHub.PublishRefused.class,
        kit.<AdapterHub.PublishReply>runCommand(r -> new AdapterHub.Publish("0".repeat(64), 1, 0, Map.of(), r)).reply());
    assertInstanceOf(AdapterHub.PublishRefused.class,
        kit.<AdapterHub.PublishReply>runCommand(r -> new AdapterHub.Publish(first.sha256(), 1, 7, Map.of(), r)).reply());

    assertEquals(new AdapterHub.RolledBack(1, List.of(2L)),
        kit.<AdapterHub.RollbackReply>runCommand(r -> new AdapterHub.Rollback(1, r)).reply());
    assertEquals(1, worker.receiveMessage().version().number(), "every worker is told to return to v1");
    assertInstanceOf(AdapterHub.RollbackRefused.class, kit.<AdapterHub.RollbackReply>runCommand(r -> new AdapterHub.Rollback(2, r)).reply());
    assertInstanceOf(AdapterHub.RollbackRefused.class, kit.<AdapterHub.RollbackReply>runCommand(r -> new AdapterHub.Rollback(9, r)).reply());
    // a step the trainer had in flight on the rolled-back line arrives after the rollback: refused
    AdapterHub.PublishRefused late = assertInstanceOf(AdapterHub.PublishRefused.class,
        kit.<AdapterHub.PublishReply>runCommand(r -> new AdapterHub.Publish(first.sha256(), first.sizeBytes(), 2, Map.of(), r)).reply());
    assertTrue(late.reason().contains("parent 2 was rolled back"), late.reason());

    // another node fetches v2 in chunks and installs it; a corrupted transfer is refused
    java.io.ByteArrayOutputStream received = new java.io.ByteArrayOutputStream();
    AdapterHub.Chunk chunk;
    long offset = 0;
    do {
      long at = offset;
      chunk = assertInstanceOf(AdapterHub.Chunk.class,
          kit.<AdapterHub.FetchReply>runCommand(r -> new AdapterHub.Fetch(2, at, 1000, r)).reply());
      received.write(chunk.data());
      offset += chunk.data().length;
    } while (!chunk.last());
    AdapterStore remote = new AdapterStore(data.resolve("other-node"));
    byte[] bundle = received.toByteArray();
    byte[] corrupt = bundle.clone();
    corrupt[corrupt.length - 3] ^= 1;
    assertThrows(ModelFormatException.class, () -> remote.install(second.sha256(), corrupt));
    assertFalse(Files.exists(remote.path(second.sha256())), "nothing written for a refused transfer");
    remote.install(second.sha256(), bundle);
    assertEquals(adapter(2).tensors().keySet(), remote.read(second.sha256(), config).tensors().keySet());
    assertInstanceOf(AdapterHub.FetchRefused.class, kit.<AdapterHub.FetchReply>runCommand(r -> new AdapterHub.Fetch(9, 0, 10, r)).reply());

    kit.restart();
    AdapterHub.Versions versions = kit.<AdapterHub.Versions>runCommand(AdapterHub.GetVersions::new).reply();
    assertEquals(2, versions.all().size());
    assertFalse(versions.all().get(1).good());
    assertEquals(1, versions.newestGood().number());
    assertEquals(0.5, versions.all().get(0).metrics().get("loss"));
    kit.<AdapterHub.RollbackReply>runCommand(r -> new AdapterHub.Rollback(0, r));
    assertNull(worker.receiveMessage().version(), "rolled back to the base model");
  }

  private static EventSourcedBehaviorTestKit<AdapterHub.Command, AdapterHub.Event, AdapterHub.State> hubKit(
      String persistenceId, AdapterStore store, int keepVersions) {
    ActorRef<Topic.Command<AdapterHub.AdapterPublished>> topic =
        testKit.spawn(Topic.create(AdapterHub.AdapterPublished.class, AdapterHub.TOPIC));
    return EventSourcedBehaviorTestKit.create(
        testKit.system(), AdapterHub.create(persistenceId, store, topic, Clock.systemUTC(), keepVersions));
  }

  private long publish(EventSourcedBehaviorTestKit<AdapterHub.Command, AdapterHub.Event, AdapterHub.State> kit,
      AdapterStore.Stored stored, long parent) {
    return assertInstanceOf(AdapterHub.Published.class, kit.<AdapterHub.PublishReply>runCommand(
        r -> new AdapterHub.Publish(stored.sha256(), stored.sizeBytes(), parent, Map.of(), r)).reply()).version().number();
  }

  @Test
  void aLiveRunsRegistryKeepsTheNewestVersionsAndDeletesWhatNoKeptVersionShares() throws Exception {
    AdapterStore store = new AdapterStore(data);
    var kit = hubKit("pruning-hub", store, 10);
    AdapterStore.Stored shared = store.put(adapter(1000));
    List<AdapterStore.Stored> stored = new java.util.ArrayList<>();
    stored.add(null); // numbered from 1
    for (long n = 1; n <= 25; n++) {
      AdapterStore.Stored s = n == 1 || n == 11 ? shared : store.put(adapter(n));
      stored.add(s);
      assertEquals(n, publish(kit, s, n - 1));
      if (n == 11) {
        assertTrue(Files.isDirectory(store.path(shared.sha256())), "version 1 is pruned but version 11 shares its files");
      }
    }
    AdapterHub.Versions versions = kit.<AdapterHub.Versions>runCommand(AdapterHub.GetVersions::new).reply();
    assertEquals(25, versions.published());
    assertEquals(List.of(16L, 17L, 18L, 19L, 20L, 21L, 22L, 23L, 24L, 25L),
        versions.all().stream().map(AdapterHub.Version::number).toList());
    for (int n = 1; n <= 25; n++) {
      assertEquals(n >= 16, Files.isDirectory(store.path(stored.get(n).sha256())), "files of version " + n);
    }

    AdapterHub.RollbackRefused refused = assertInstanceOf(AdapterHub.RollbackRefused.class,
        kit.<AdapterHub.RollbackReply>runCommand(r -> new AdapterHub.Rollback(5, r)).reply());
    assertTrue(refused.reason().contains("version 5 was pruned") && refused.reason().contains("16..25"), refused.reason());
    AdapterHub.FetchRefused gone = assertInstanceOf(AdapterHub.FetchRefused.class,
        kit.<AdapterHub.FetchReply>runCommand(r -> new AdapterHub.Fetch(3, 0, 100, r)).reply());
    assertTrue(gone.reason().contains("was pruned"), gone.reason());
    assertEquals(new AdapterHub.RolledBack(20, List.of(21L, 22L, 23L, 24L, 25L)),
        kit.<AdapterHub.RollbackReply>runCommand(r -> new AdapterHub.Rollback(20, r)).reply());

    kit.restart();
    AdapterHub.Versions recovered = kit.<AdapterHub.Versions>runCommand(AdapterHub.GetVersions::new).reply();
    assertEquals(versions.all().size(), recovered.all().size());
    assertEquals(25, recovered.published());
    assertEquals(20, recovered.newestGood().number());
    assertEquals(26, publish(kit, store.put(adapter(26)), 20), "numbers go on from the highest ever published");
  }

  @Test
  void aRollbackToAVersionWhoseFilesAreDamagedIsRefusedAndChangesNothing() throws Exception {
    AdapterStore store = new AdapterStore(data);
    var kit = hubKit("damaged-hub", store, 1000);
    AdapterStore.Stored first = store.put(adapter(1));
    AdapterStore.Stored second = store.put(adapter(2));
    AdapterStore.Stored third = store.put(adapter(3));
    publish(kit, first, 0);
    publish(kit, second, 1);
    publish(kit, third, 2);
    Path weights = store.path(second.sha256()).resolve("adapter_model.safetensors");
    byte[] bytes = Files.readAllBytes(weights);
    bytes[bytes.length - 1] ^= 1;
    Files.write(weights, bytes);
    Files.delete(store.path(first.sha256()).resolve("adapter_config.json"));

    AdapterHub.RollbackRefused corrupt = assertInstanceOf(AdapterHub.RollbackRefused.class,
        kit.<AdapterHub.RollbackReply>runCommand(r -> new AdapterHub.Rollback(2, r)).reply());
    assertTrue(corrupt.reason().contains("the files of version 2") && corrupt.reason().contains("hash to"), corrupt.reason());
    AdapterHub.RollbackRefused missing = assertInstanceOf(AdapterHub.RollbackRefused.class,
        kit.<AdapterHub.RollbackReply>runCommand(r -> new AdapterHub.Rollback(1, r)).reply());
    assertTrue(missing.reason().contains("the files of version 1 cannot be read")
        && missing.reason().contains("adapter_config.json"), missing.reason());
    assertEquals(3, kit.<AdapterHub.Versions>runCommand(AdapterHub.GetVersions::new).reply().newestGood().number(),
        "nothing was marked bad");
    assertEquals(new AdapterHub.RolledBack(0, List.of(1L, 2L, 3L)),
        kit.<AdapterHub.RollbackReply>runCommand(r -> new AdapterHub.Rollback(0, r)).reply(), "the base model has no files to check");
  }

  @Test
  void tooFewKeptVersionsIsAConfigError() {
    var e = assertThrows(com.typesafe.config.ConfigException.BadValue.class,
        () -> AdapterHub.keepVersions(ConfigFactory.parseMap(Map.of("swarm.adapters.keep-versions", 5))));
    assertTrue(e.getMessage().contains("keep at least 10"), e.getMessage());
  }
}
