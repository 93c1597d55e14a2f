package io.swarmengine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.swarmengine.model.Gpt2;
import io.swarmengine.model.ops.Parallel;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelCommandTest {
  @TempDir Path dir;

  @Test
  void initWritesAFolderAndLogitsPrintsEveryPosition() throws Exception {
    Path model = dir.resolve("m");
    PolicyCommandTest.Result init =
        PolicyCommandTest.swarm("model", "init", "--layers", "1", "--heads", "2", "--embd", "8", "--positions", "16", "--seed", "3", "--out", model.toString());
    assertEquals(0, init.status(), init.err());
    PolicyCommandTest.Result r = PolicyCommandTest.swarm("model", "logits", "--model", model.toString(), "--tokens", "5,6,7");
    assertEquals(0, r.status(), r.err());
    JsonNode logits = r.lines().get(0).get("logits");
    assertEquals(3, logits.size());
    assertEquals(259, logits.get(0).size());
    float[] expected = Gpt2.load(model, Parallel.sequential()).forward(new int[] {5, 6, 7}).logits;
    assertEquals(expected[2 * 259 + 10], logits.get(2).get(10).floatValue());
  }

  @Test
  void generatePrintsSeededCompletions() throws Exception {
    Path model = dir.resolve("g");
    PolicyCommandTest.swarm("model", "init", "--layers", "1", "--heads", "2", "--embd", "8", "--positions", "32", "--seed", "3", "--out", model.toString());
    String[] args = {"model", "generate", "--model", model.toString(), "--prompt", "ab", "--samples", "3", "--seed", "9", "--max-tokens", "6"};
    PolicyCommandTest.Result first = PolicyCommandTest.swarm(args);
    assertEquals(0, first.status(), first.err());
    assertEquals(3, first.lines().size());
    JsonNode line = first.lines().get(1);
    assertEquals(1, line.get("sample").asInt());
    assertEquals(line.get("tokens").size(), line.get("logprobs").size());
    assertTrue(line.get("tokens").size() <= 6);
    assertEquals(first.out(), PolicyCommandTest.swarm(args).out(), "seeded: the same completions");
  }

  @Test
  void adaptersApplyAndInspect() throws Exception {
    Path model = dir.resolve("m");
    PolicyCommandTest.swarm("model", "init", "--layers", "1", "--heads", "2", "--embd", "8", "--positions", "16", "--seed", "3", "--out", model.toString());
    Gpt2 base = Gpt2.load(model, Parallel.sequential());
    io.swarmengine.model.LoraAdapter adapter =
        io.swarmengine.model.LoraAdapter.create(
            base.config, new io.swarmengine.model.LoraAdapter.Settings(2, 4f, 0f, java.util.List.of("c_attn"), model.toString()), 1);
    adapter.b(0, "attn.c_attn")[0] = 1f;
    Path adapterDir = dir.resolve("a");
    adapter.write(adapterDir);
    PolicyCommandTest.Result r =
        PolicyCommandTest.swarm("model", "logits", "--model", model.toString(), "--adapter", adapterDir.toString(), "--tokens", "5,6");
    assertEquals(0, r.status(), r.err());
    float[] expected = base.withAdapter(adapter).forward(new int[] {5, 6}).logits;
    assertEquals(expected[259 + 4], r.lines().get(0).get("logits").get(1).get(4).floatValue());
    PolicyCommandTest.Result inspect = PolicyCommandTest.swarm("adapter", "inspect", adapterDir.toString());
    assertEquals(0, inspect.status(), inspect.err());
    JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(inspect.out());
    assertEquals("LORA", json.get("config").get("peft_type").asText());
    assertEquals(2, json.get("tensors").get("base_model.model.transformer.h.0.attn.c_attn.lora_A.weight").get("shape").get(0).asInt());
    assertEquals(2 * 8 + 24 * 2, json.get("parameters").asInt());
    assertEquals(64, json.get("sha256").get("adapter_model.safetensors").asText().length());
    PolicyCommandTest.Result missing = PolicyCommandTest.swarm("adapter", "inspect", dir.resolve("none").toString());
    assertEquals(2, missing.status());
    assertTrue(missing.err().startsWith("error: ") && missing.err().contains("not an adapter folder"), missing.err());
  }

  @Test
  void badFoldersAndInputsExitTwoWithOneErrorLine() {
    PolicyCommandTest.Result missing = PolicyCommandTest.swarm("model", "logits", "--model", dir.resolve("none").toString(), "--tokens", "1");
    assertEquals(2, missing.status());
    assertEquals("", missing.out());
    assertTrue(missing.err().startsWith("error: ") && missing.err().contains("no config.json"), missing.err());
    PolicyCommandTest.Result heads =
        PolicyCommandTest.swarm("model", "init", "--layers", "1", "--heads", "3", "--embd", "8", "--positions", "16", "--seed", "3", "--out", dir.toString());
    assertEquals(2, heads.status());
    assertTrue(heads.err().contains("not a multiple of n_head"), heads.err());
  }
}
