package io.swarmengine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class PolicyCommandTest {
  record Result(int status, String out, String err) {
    List<JsonNode> lines() throws Exception {
      List<JsonNode> nodes = new ArrayList<>();
      for (String line : out.split("\n")) {
        if (!line.isBlank()) {
          nodes.add(new ObjectMapper().readTree(line));
        }
      }
      return nodes;
    }
  }

  static Result swarm(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = SwarmCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int status = cli.execute(args);
    return new Result(status, out.toString(), err.toString());
  }

  @Test
  void explainPrintsCanonicalPositionsAndRuns() throws Exception {
    Result r =
        swarm(
            "policy", "explain",
            "schedule=0..200:infer|200..100%:train(scope=ffn+attn,opt=adam,lr=3e-4,stride=8,clip=1.0)",
            "--total", "1000", "--at", "5,250", "--range", "100..300");
    assertEquals(0, r.status(), r.err());
    List<JsonNode> lines = r.lines();
    assertEquals(5, lines.size());
    assertEquals(
        "schedule=0..200:infer|200..100%:train(scope=attn+ffn,opt=adam,lr=0.0003,stride=8,bptt=1,clip=1,momentum=0.9)",
        lines.get(0).get("canonical").asText());
    assertEquals("{\"position\": 5, \"action\": \"infer\"}", r.out().split("\n")[1]);
    assertEquals(
        "{\"position\": 250, \"action\": \"train\", \"scope\": \"attn+ffn\", \"optimizer\": \"adam\", \"lr\": 0.0003, "
            + "\"stride\": 8, \"bptt\": 1, \"clip\": 1.0, \"momentum\": 0.9}",
        r.out().split("\n")[2]);
    assertEquals(100, lines.get(3).get("from").asLong());
    assertEquals(200, lines.get(3).get("to").asLong());
    assertEquals("infer", lines.get(3).get("action").asText());
    assertEquals(200, lines.get(4).get("from").asLong());
    assertEquals(300, lines.get(4).get("to").asLong());
    assertEquals("train", lines.get(4).get("action").asText());
  }

  @Test
  void invalidSpecExitsTwoWithOneErrorLineAndNoOutput() {
    for (String[] args :
        List.of(
            new String[] {"policy", "explain", "schedule=0..10:train(opt=rmsprop)", "--at", "1"},
            new String[] {"policy", "explain", "schedule=0..50%:infer", "--at", "1"},
            new String[] {"policy", "explain", "schedule=0..10:infer", "--range", "9..3"},
            new String[] {"policy", "explain", "schedule=0..10:infer", "--at", "x"},
            new String[] {"policy", "explain"})) {
      Result r = swarm(args);
      assertEquals(2, r.status(), String.join(" ", args));
      assertEquals("", r.out(), String.join(" ", args));
      String[] errLines = r.err().strip().split("\n");
      assertEquals(1, errLines.length, r.err());
      assertTrue(errLines[0].startsWith("error: "), r.err());
    }
    assertTrue(swarm("policy", "explain", "schedule=0..10:train(opt=rmsprop)").err().contains("unknown optimizer 'rmsprop'"));
  }

  @Test
  void lrPrintsBudgetsAndRates() throws Exception {
    Result budget = swarm("policy", "lr", "--mode", "linear", "--max", "8", "--min", "2", "--steps", "4");
    assertEquals(0, budget.status(), budget.err());
    List<JsonNode> lines = budget.lines();
    // 6.5 and 3.5 round half to even, as Python does
    assertEquals(List.of(6, 5, 4, 2), lines.stream().map(n -> n.get("value").asInt()).toList());
    Result rate = swarm("policy", "lr", "--mode", "constant", "--max", "3e-4", "--steps", "2");
    assertEquals("{\"step\": 1, \"value\": 0.0003}", rate.out().split("\n")[0]);
    Result autonomous = swarm("policy", "lr", "--mode", "autonomous", "--max", "8", "--min", "2", "--steps", "1");
    assertEquals(999, autonomous.lines().get(0).get("value").asInt());
    Result bad = swarm("policy", "lr", "--mode", "step", "--max", "1", "--steps", "3");
    assertEquals(2, bad.status());
    assertTrue(bad.err().startsWith("error: unknown scheduler mode 'step'"), bad.err());
    assertEquals(2, swarm("policy", "lr", "--mode", "autonomous", "--max", "1e-3", "--steps", "3").status());
  }
}
