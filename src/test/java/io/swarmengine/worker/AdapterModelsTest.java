package io.swarmengine.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swarmengine.adapter.AdapterStore;
import io.swarmengine.model.Gpt2;
import io.swarmengine.model.GptConfig;
import io.swarmengine.model.LoraAdapter;
import io.swarmengine.model.ModelFormatException;
import io.swarmengine.model.ops.Parallel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdapterModelsTest {
  static final GptConfig CONFIG = new GptConfig(2, 2, 8, 16, 20, 1e-5f, true);
  static final LoraAdapter.Settings LORA = new LoraAdapter.Settings(2, 4f, 0f, List.of("c_attn", "c_proj"), "base");

  @TempDir Path dataDir;

  private final Gpt2 base = Gpt2.random(CONFIG, 1, Parallel.sequential());

  private String stored(AdapterStore store, long seed) throws Exception {
    LoraAdapter adapter = LoraAdapter.create(CONFIG, LORA, seed);
    adapter.tensors().forEach((name, a) -> a[0] = seed); // B is zero when fresh: make each adapter its own
    return store.put(adapter).sha256();
  }

  @Test
  void workersAskingAtOnceShareOneLoadOfAVersion() throws Exception {
    AdapterStore store = new AdapterStore(dataDir);
    String sha = stored(store, 3);
    AdapterModels models = new AdapterModels(base, store);
    CountDownLatch start = new CountDownLatch(1);
    List<CompletableFuture<Gpt2>> asks = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      asks.add(CompletableFuture.supplyAsync(() -> {
        try {
          start.await();
          return models.model(sha);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }));
    }
    start.countDown();
    Gpt2 first = asks.get(0).join();
    for (CompletableFuture<Gpt2> ask : asks) {
      assertSame(first, ask.join());
    }
    assertSame(first, models.model(sha));
    assertEquals(store.read(sha, CONFIG).tensors().keySet(), first.adapter().tensors().keySet());
  }

  @Test
  void aCorruptVersionIsRefusedAndReadAgainOnTheNextAsk() throws Exception {
    AdapterStore store = new AdapterStore(dataDir);
    String sha = stored(store, 3);
    Path weights = store.path(sha).resolve("adapter_model.safetensors");
    byte[] good = Files.readAllBytes(weights);
    byte[] bad = good.clone();
    bad[bad.length - 1] ^= 1;
    Files.write(weights, bad);
    AdapterModels models = new AdapterModels(base, store);
    ModelFormatException refused = assertThrows(ModelFormatException.class, () -> models.model(sha));
    assertTrue(refused.getMessage().contains("corrupt"), refused.getMessage());
    Files.write(weights, good); // e.g. fetched again from the hub
    assertEquals(sha, AdapterStore.sha256(store.path(sha)));
    models.model(sha);
  }

  @Test
  void anAdapterOfferedByTheNodesTrainerIsServedWithoutItsFiles() throws Exception {
    AdapterStore store = new AdapterStore(dataDir);
    LoraAdapter adapter = LoraAdapter.create(CONFIG, LORA, 5);
    String sha = store.put(adapter).sha256();
    AdapterModels models = new AdapterModels(base, store);
    models.offer(sha, adapter);
    store.delete(sha); // not read: the offered object is what the hash was taken of
    assertSame(adapter, models.model(sha).adapter());
    assertThrows(ModelFormatException.class, () -> new AdapterModels(base, store).model(sha), "read from files, it is gone");
  }

  @Test
  void onlyTheNewestVersionsAreKept() throws Exception {
    AdapterStore store = new AdapterStore(dataDir);
    AdapterModels models = new AdapterModels(base, store);
    List<String> shas = new ArrayList<>();
    List<Gpt2> loaded = new ArrayList<>();
    for (int i = 0; i <= AdapterModels.KEPT; i++) {
      shas.add(stored(store, 10 + i));
      loaded.add(models.model(shas.get(i)));
    }
    assertSame(loaded.get(AdapterModels.KEPT), models.model(shas.get(AdapterModels.KEPT)));
    assertNotSame(loaded.get(0), models.model(shas.get(0)), "the oldest version was let go and is read again");
  }
}
