package io.swarmengine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of a real {@code swarm run} process under a heavy journal load (the null policy:
 * thousands of durable groups a second, replay snapshots, deleted events), then the data folder
 * opened again and again: every open must find the journal whole and every acknowledged group.
 * With H2 2.2.224 this failed: here the first open hung in the cursor's recovery until the ask timed
 * out, and a demo killed so could be opened once, after which "File corrupted while reading record"
 * (the first open's close reused blocks of chunks the layout still listed; h2database#2752).
 */
class HardKillResumeTest {
  private static final Pattern PROGRESS = Pattern.compile("^position (\\d+)/");

  @TempDir Path dir;

  @Test
  void theJournalOpensWholeAfterAHardKillAndAgainAfterThat() throws Exception {
    Path config = dir.resolve("null.conf");
    Files.writeString(config, """
        swarm {
          task = "arithmetic:20"
          schedule = "schedule=0..100%:infer"
          positions = 5000000
          rollout.group-size = 1
          workers { count = 2, policy = "null", lease-size = 4096, chunk-groups = 1024 }
          trainer.enabled = false
          replay.capacity = 50000
        }
        """);
    Path data = dir.resolve("data");
    String java = ProcessHandle.current().info().command().orElse("java");
    Process run = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), SwarmCli.class.getName(),
        "run", "--config", config.toString(), "--data", data.toString())
        .redirectError(dir.resolve("run.err").toFile())
        .start();
    AtomicLong completed = new AtomicLong();
    CompletableFuture<Void> enough = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader out = new BufferedReader(new InputStreamReader(run.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = out.readLine()) != null; ) {
          Matcher m = PROGRESS.matcher(line);
          if (m.find()) {
            completed.set(Long.parseLong(m.group(1)));
            if (completed.get() >= 30_000) {
              enough.complete(null);
            }
          }
        }
        enough.completeExceptionally(new IllegalStateException("the run ended before 30,000 positions"));
      } catch (Exception e) {
        enough.completeExceptionally(e);
      }
    });
    reader.start();
    try {
      enough.get(120, TimeUnit.SECONDS);
    } finally {
      run.destroyForcibly(); // SIGKILL: no shutdown hook, no clean close of the journal
      run.waitFor(30, TimeUnit.SECONDS);
    }
    long completedBeforeTheKill = completed.get();

    String first = null;
    for (int open = 1; open <= 3; open++) {
      PolicyCommandTest.Result status = PolicyCommandTest.swarm("status", "--data", data.toString());
      assertEquals(0, status.status(), "open " + open + " after the kill: " + status.err() + status.out()
          + "\nthe run's stderr:\n" + Files.readString(dir.resolve("run.err")));
      JsonNode json = new ObjectMapper().readTree(status.out());
      long completedPositions = json.get("completed_positions").asLong();
      long acknowledged = json.get("acknowledged_groups").asLong();
      assertTrue(completedPositions >= completedBeforeTheKill,
          "open " + open + ": " + completedPositions + " completed positions, " + completedBeforeTheKill + " before the kill");
      // a completed position's group was acknowledged first; acknowledged ones not yet completed
      // are played again on resume and refused as duplicates
      assertTrue(acknowledged >= completedPositions, status.out());
      String found = completedPositions + " completed, " + acknowledged + " acknowledged";
      if (first == null) {
        first = found;
      }
      assertEquals(first, found, "open " + open + " found another journal");
    }
  }
}
