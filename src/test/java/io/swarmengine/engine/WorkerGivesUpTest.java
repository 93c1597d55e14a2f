package io.swarmengine.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.swarmengine.env.Environment;
import io.swarmengine.env.Task;
import io.swarmengine.persistence.SwarmConfig;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An environment that fails the same way every time ends the run, instead of being played again forever. */
class WorkerGivesUpTest {
  @TempDir Path data;

  /** Answers "1+1=" and scores the answer, but throws on the episodes of one seed. */
  public static final class BrokenOnOneSeed implements Task {
    /** The seed of every episode of position 5's group: the first seed this task saw at position 5. */
    static volatile long brokenSeed = Long.MIN_VALUE;

    @Override
    public String name() {
      return "broken-on-one-seed";
    }

    @Override
    public Environment start(long seed) {
      return new Environment() {
        @Override
        public String observation() {
          return "1+1=";
        }

        @Override
        public Step act(String action) {
          if (seed == brokenSeed) {
            throw new IllegalStateException("this environment cannot grade seed " + seed);
          }
          return new Step("", action.strip().equals("2") ? 1 : 0, true);
        }
      };
    }
  }

  /** Throws on every episode. */
  public static final class AlwaysBroken implements Task {
    @Override
    public String name() {
      return "always-broken";
    }

    @Override
    public Environment start(long seed) {
      throw new IllegalStateException("no episode can start");
    }
  }

  private SwarmEngine start(Class<? extends Task> task, Map<String, Object> more) {
    Map<String, Object> o = EngineEndToEndTest.tinyRun(data, 400, "schedule=0..100%:infer");
    o.put("swarm.task", task.getName());
    o.put("swarm.workers.count", 1);
    o.put("swarm.cursor.lease-timeout", "1s");
    o.putAll(more); // later puts win
    return SwarmEngine.start(SwarmConfig.load(ConfigFactory.parseMap(o)), line -> {}, io.swarmengine.worker.WorkerListener.NONE);
  }

  @Test
  void aWorkerWhoseEveryChunkFailsStopsTheRunWithItsName() throws Exception {
    // leases outlive the test: each retry plays new positions, so it is the failures in a row that stop it
    try (SwarmEngine engine = start(AlwaysBroken.class, Map.of("swarm.cursor.lease-timeout", "10m"))) {
      ExecutionException e = assertThrows(ExecutionException.class, () -> engine.finished().get(60, TimeUnit.SECONDS));
      assertEquals("worker-0", assertInstanceOf(SwarmEngine.PartStoppedException.class, e.getCause()).part());
    }
  }

  @Test
  void positionsThatKeepFailingStopTheRunAndWhatWasAcknowledgedStays() throws Exception {
    // the group of position 5 has one seed for all its episodes: learn it from the engine's own seeding
    BrokenOnOneSeed.brokenSeed = io.swarmengine.worker.WorkerAgent.seedOf(1, 5);
    try (SwarmEngine engine = start(BrokenOnOneSeed.class, Map.of("swarm.seed", 1, "swarm.workers.chunk-groups", 4))) {
      ExecutionException e = assertThrows(ExecutionException.class, () -> engine.finished().get(60, TimeUnit.SECONDS));
      assertEquals("worker-0", assertInstanceOf(SwarmEngine.PartStoppedException.class, e.getCause()).part());
      EngineStatus status = engine.status().toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertTrue(status.acknowledgedGroups() >= 4, "positions before the broken chunk were recorded: " + status);
      assertTrue(status.completedPositions() < 400, status.toString());
    }
  }
}
