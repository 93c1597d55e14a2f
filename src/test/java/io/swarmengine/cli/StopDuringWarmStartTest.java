package io.swarmengine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ctrl-C (SIGINT or SIGTERM: the same JVM hooks) in a real {@code swarm demo} process during its warm
 * start, then the same command again: it goes on from the warm start's last evaluation.
 */
class StopDuringWarmStartTest {
  @TempDir Path dir;

  @Test
  void aStopDuringTheWarmStartSaysWhatHappensNextLeavesNoHalfModelAndTheNextRunGoesOn() throws Exception {
    Path data = dir.resolve("data");
    String java = ProcessHandle.current().info().command().orElse("java");
    Process demo = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), SwarmCli.class.getName(),
        "demo", "--data", data.toString())
        .redirectError(dir.resolve("demo.err").toFile())
        .start();
    List<String> lines = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> warming = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader out = new BufferedReader(new InputStreamReader(demo.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = out.readLine()) != null; ) {
          lines.add(line);
          if (line.startsWith("warm start: step 50/")) { // printed once that step's checkpoint is saved
            warming.complete(null);
          }
        }
      } catch (Exception e) {
        warming.completeExceptionally(e);
      }
    });
    reader.start();
    try {
      warming.get(120, TimeUnit.SECONDS);
      demo.toHandle().destroy(); // SIGTERM; Process.destroy() would also close our end of its output
      assertTrue(demo.waitFor(60, TimeUnit.SECONDS), "the demo did not stop");
      reader.join(10_000);
    } finally {
      demo.destroyForcibly();
    }
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("stopped (Ctrl-C) while the run was starting: nothing acknowledged is lost")),
        String.join("\n", lines) + "\nexit " + demo.exitValue() + ", stderr:\n" + Files.readString(dir.resolve("demo.err")));
    assertFalse(Files.exists(data.resolve("base").resolve("config.json")), "a base model was saved: " + lines);
    try (Stream<Path> files = Files.list(data)) {
      assertTrue(files.noneMatch(p -> p.getFileName().toString().startsWith(".base-")), "a half-saved base model is left");
    }
    Path checkpoint = data.resolve("base.warm-start.safetensors");
    assertTrue(Files.isRegularFile(checkpoint), "the warm start's progress was not kept");

    PolicyCommandTest.Result again = PolicyCommandTest.swarm("demo", "--data", data.toString(), "--positions", "80");
    assertEquals(0, again.status(), again.err() + again.out());
    assertTrue(again.out().contains("warm start: going on from step 50, saved in " + checkpoint), again.out());
    assertFalse(again.out().contains("warm start: step 50/"), "step 50 again: " + again.out());
    assertTrue(again.out().contains("positions completed: 80 of 80"), again.out());
    assertFalse(Files.exists(checkpoint), "the checkpoint outlived the base it led to");
  }
}
