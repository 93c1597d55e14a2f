package io.swarmengine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swarmengine.model.ops.Parallel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Gpt2FolderTest {
  @TempDir Path dir;

  final GptConfig config = new GptConfig(1, 2, 8, 16, 20, 1e-5f, true);

  @Test
  void savedFoldersLoadBackIdentically() throws Exception {
    Gpt2 model = Gpt2.random(config, 5, Parallel.sequential());
    model.save(dir);
    Gpt2 loaded = Gpt2.load(dir, Parallel.sequential());
    assertEquals(config, loaded.config);
    for (String name : model.parameters().keySet()) {
      assertArrayEquals(model.parameters().get(name), loaded.parameters().get(name), name);
    }
    assertArrayEquals(model.forward(new int[] {1, 2, 3}).logits, loaded.forward(new int[] {1, 2, 3}).logits);
    // the same seed gives the same model, another seed another one
    assertArrayEquals(
        model.parameters().get("transformer.h.0.attn.c_attn.weight"),
        Gpt2.random(config, 5, Parallel.sequential()).parameters().get("transformer.h.0.attn.c_attn.weight"));
    String json = Files.readString(dir.resolve("config.json"));
    assertTrue(json.contains("\"n_layer\" : 1") && json.contains("GPT2LMHeadModel"), json);
  }

  @Test
  void checkpointsWithoutThePrefixAndWithMaskBuffersLoad() throws Exception {
    Gpt2 model = Gpt2.random(config, 5, Parallel.sequential());
    Map<String, Safetensors.Tensor> tensors = new LinkedHashMap<>();
    model.parameters().forEach((name, a) ->
        tensors.put(name.replaceFirst("^transformer\\.", ""), new Safetensors.Tensor("F32", model.shapes().get(name), a)));
    tensors.put("h.0.attn.bias", new Safetensors.Tensor("F32", new int[] {1, 1, 16, 16}, new float[256]));
    config.write(dir.resolve("config.json"));
    Safetensors.write(dir.resolve("model.safetensors"), tensors, Map.of());
    assertArrayEquals(model.forward(new int[] {4, 5}).logits, Gpt2.load(dir, Parallel.sequential()).forward(new int[] {4, 5}).logits);
  }

  @Test
  void badFoldersAreRefusedWithTheProblemNamed() throws Exception {
    assertTrue(assertThrows(ModelFormatException.class, () -> Gpt2.load(dir, Parallel.sequential())).getMessage().contains("config.json"));
    Gpt2.random(config, 5, Parallel.sequential()).save(dir);
    Files.writeString(dir.resolve("config.json"), "{\"n_layer\": 1, \"n_head\": 3, \"n_embd\": 8, \"n_positions\": 16, \"vocab_size\": 20}");
    assertTrue(
        assertThrows(ModelFormatException.class, () -> Gpt2.load(dir, Parallel.sequential())).getMessage().contains("not a multiple of n_head"));
    Files.writeString(dir.resolve("config.json"), "{\"n_layer\": 2, \"n_head\": 2, \"n_embd\": 8, \"n_positions\": 16, \"vocab_size\": 20}");
    assertTrue(
        assertThrows(ModelFormatException.class, () -> Gpt2.load(dir, Parallel.sequential())).getMessage().contains("'transformer.h.1.ln_1.weight' is missing"));
    Files.writeString(dir.resolve("config.json"), "{\"n_layer\": 1, \"n_head\": 2, \"n_embd\": 8, \"n_positions\": 16, \"vocab_size\": 30}");
    String shape = assertThrows(ModelFormatException.class, () -> Gpt2.load(dir, Parallel.sequential())).getMessage();
    assertTrue(shape.contains("'transformer.wte.weight' has shape [20, 8], but config.json makes it [30, 8]"), shape);
    Files.writeString(dir.resolve("config.json"), "{\"n_layer\": 1, \"n_head\": 2, \"n_embd\": 8, \"n_positions\": 16}");
    assertTrue(assertThrows(ModelFormatException.class, () -> Gpt2.load(dir, Parallel.sequential())).getMessage().contains("'vocab_size' is missing"));
    config.write(dir.resolve("config.json"));
    Map<String, Safetensors.Tensor> extra = new LinkedHashMap<>(Safetensors.read(dir.resolve("model.safetensors")).tensors());
    extra.put("transformer.h.0.attn.q_proj.weight", new Safetensors.Tensor("F32", new int[] {1}, new float[1]));
    Safetensors.write(dir.resolve("model.safetensors"), extra, Map.of());
    assertTrue(
        assertThrows(ModelFormatException.class, () -> Gpt2.load(dir, Parallel.sequential())).getMessage().contains("'transformer.h.0.attn.q_proj.weight' is not a parameter of a GPT-2"));
  }

  @Test
  void byteTokenizerRoundTripsAnyText() {
    ByteTokenizer t = new ByteTokenizer();
    String text = "héllo, 世界 ✓";
    assertEquals(text, t.decode(t.encode(text)));
    int[] withSpecials = {t.bos(), 104, 105, t.eos(), t.pad()};
    assertEquals("hi", t.decode(withSpecials));
    assertEquals(259, t.vocabSize());
  }
}
