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
