package io.swarmengine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swarmengine.engine.RunInspection;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code swarm run} on an environment that always throws ends with the error, not a run that never ends. */
class RunCommandFailureTest {
  @TempDir Path dir;

  @Test
  void aRunWhoseWorkerGaveUpExitsWithTheErrorAndLeavesAResumableFolder() throws Exception {
    Path conf = dir.resolve("broken.conf");
    Files.writeString(conf, """
        swarm {
          task = "io.swarmengine.engine.WorkerGivesUpTest$AlwaysBroken"
          positions = 200
          schedule = "schedule=0..100%:infer"
          model { layers = 1, heads = 2, embd = 16, context = 16, warm-start.steps = 0 }
          rollout { group-size = 2, max-tokens = 3 }
          workers { count = 1, chunk-groups = 2 }
        }
        """);
    Path data = dir.resolve("data");
    PolicyCommandTest.Result r = PolicyCommandTest.swarm("run", "--config", conf.toString(), "--data", data.toString());
    assertEquals(2, r.status(), r.out());
    assertTrue(r.err().startsWith("error: worker-0 stopped, so the run cannot go on"), r.err());
    assertTrue(r.err().strip().endsWith("run the same command again to resume once the cause is fixed"), r.err());
    assertTrue(r.out().contains("run in " + data), "the run had started: " + r.out());
    assertTrue(!RunInspection.isLive(data), "the engine was closed");
    assertTrue(Files.isRegularFile(data.resolve("status.json")), "its final status was written");
  }
}
