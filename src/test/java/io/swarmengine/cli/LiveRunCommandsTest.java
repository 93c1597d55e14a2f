package io.swarmengine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static io.swarmengine.testing.Await.until;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.typed.javadsl.AskPattern;
import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.swarmengine.adapter.AdapterHub;
import io.swarmengine.engine.SwarmEngine;
import io.swarmengine.persistence.SwarmConfig;
import io.swarmengine.worker.WorkerAgent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code swarm adapter rollback} and {@code list} on a live run: the engine on the folder rolls back
 * (its workers follow) and lists its versions; the commands that read a stopped run refuse it.
 */
class LiveRunCommandsTest {
  @TempDir Path data;

  private Config config() {
    return SwarmConfig.load(ConfigFactory.parseString("""
        swarm {
          task = "arithmetic:9"
          positions = 0 # unbounded: the run is live for as long as the test needs
          schedule = "schedule=0..10:infer|10..1000000000:train(scope=attn,opt=sgd,lr=0.05,stride=2)"
          model { layers = 1, heads = 2, embd = 16, context = 16, warm-start.steps = 0 }
          rollout { group-size = 2, max-tokens = 3 }
          # longer than the test's waits: a step the trainer owes after the rollback must come on its own
          workers { count = 2, chunk-groups = 2, throttle-timeout = 5m }
          trainer.batch-groups = 2
          metrics.interval = 200ms
        }
        akka.actor.serialize-messages = on
        """).withFallback(ConfigFactory.parseMap(java.util.Map.of("swarm.data-dir", data.toString()))));
  }

  @Test
  void aLiveRunRollsBackAndListsItsVersionsForTheCommandLineAndRefusesStoppedRunCommands() throws Exception {
    List<String> progress = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (SwarmEngine engine = SwarmEngine.start(config(), progress::add, io.swarmengine.worker.WorkerListener.NONE)) {
      until(() -> versions(engine).published() >= 4, 120);

      PolicyCommandTest.Result r = PolicyCommandTest.swarm("adapter", "rollback", "--data", data.toString(), "--to", "2");
      assertEquals(0, r.status(), r.err());
      JsonNode answer = r.lines().get(0);
      assertEquals(2, answer.get("rolled_back_to").asLong());
      Set<Long> bad = new HashSet<>();
      answer.get("marked_bad").forEach(v -> bad.add(v.asLong()));
      assertTrue(bad.contains(3L) && bad.contains(4L), answer.toString());
      String shown = "rolled back to version 2 (swarm adapter rollback): " + bad.size() + " newer versions marked bad";
      until(() -> progress.contains(shown), 10); // the run's own output says so too
      AdapterHub.Versions after = versions(engine);
      for (long v : bad) {
        assertFalse(after.all().get((int) v - 1).good(), "version " + v + " is marked bad");
      }

      // the trainer goes on from version 2 and every worker leaves the bad versions
      long firstAfter = bad.stream().mapToLong(Long::longValue).max().orElseThrow() + 1;
      until(() -> versions(engine).published() >= firstAfter, 60);
      AdapterHub.Version next = versions(engine).all().get((int) firstAfter - 1);
      assertEquals(2, next.parent(), "the first version after the rollback trains on from version 2");
      assertTrue(next.good());
      until(() -> engine.workers().stream().noneMatch(w -> bad.contains(workerVersion(engine, w))), 60);

      PolicyCommandTest.Result refused = PolicyCommandTest.swarm("adapter", "rollback", "--data", data.toString(), "--to", "3");
      assertEquals(2, refused.status(), refused.out());
      assertTrue(refused.err().startsWith("error: version 3 is itself marked bad"), refused.err());

      PolicyCommandTest.Result listed = PolicyCommandTest.swarm("adapter", "list", "--data", data.toString());
      assertEquals(0, listed.status(), listed.err());
      List<JsonNode> lines = listed.lines();
      assertTrue(lines.size() >= firstAfter, listed.out());
      for (JsonNode line : lines) {
        long v = line.get("version").asLong();
        assertEquals(!bad.contains(v), line.get("good").asBoolean(), line.toString());
        assertTrue(line.get("sha256").asText().matches("[0-9a-f]{64}"), line.toString());
        assertTrue(line.get("metrics").has("loss"), "the step's metrics: " + line);
      }
      assertEquals(2, lines.get((int) firstAfter - 1).get("parent").asLong());
      PolicyCommandTest.Result newest = PolicyCommandTest.swarm("adapter", "list", "--data", data.toString(), "--last", "1");
      assertEquals(1, newest.lines().size(), newest.out());

      PolicyCommandTest.Result stats = PolicyCommandTest.swarm("replay", "stats", "--data", data.toString());
      assertEquals(2, stats.status(), stats.out());
      assertTrue(stats.err().startsWith("error: the run in " + data + " is live: this command reads a stopped run"),
          stats.err());
    }
    try (var files = Files.list(data.resolve("control"))) {
      assertEquals(0, files.count(), "the hand-off leaves no file behind");
    }
    PolicyCommandTest.Result stopped = PolicyCommandTest.swarm("adapter", "list", "--data", data.toString(), "--last", "3");
    assertEquals(0, stopped.status(), stopped.err());
    assertEquals(3, stopped.lines().size(), "the stopped run's hub, recovered from the journal: " + stopped.out());
  }

  private static AdapterHub.Versions versions(SwarmEngine engine) {
    return AskPattern.<AdapterHub.Command, AdapterHub.Versions>ask(engine.adapterHub(), AdapterHub.GetVersions::new,
        Duration.ofSeconds(10), engine.system().scheduler()).toCompletableFuture().join();
  }

  private static long workerVersion(SwarmEngine engine, akka.actor.typed.ActorRef<WorkerAgent.Command> worker) {
    return AskPattern.<WorkerAgent.Command, WorkerAgent.Status>ask(worker, WorkerAgent.GetStatus::new,
        Duration.ofSeconds(10), engine.system().scheduler()).toCompletableFuture().join().version();
  }
}
