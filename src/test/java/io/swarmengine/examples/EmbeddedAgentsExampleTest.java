package io.swarmengine.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swarmengine.engine.EngineStatus;
import io.swarmengine.engine.SwarmEngine;
import io.swarmengine.examples.embedded.EmbeddedAgents;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Runs the embedded-agents example, so that it keeps working with the engine it documents. */
class EmbeddedAgentsExampleTest {
  private static final int ROUNDS = 4;
  private static final int AGENTS = 3;

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void agentsRecordDurableGroupsAndMoveToTrainedAdapters(@TempDir Path dir) {
    EmbeddedAgents.Result result = EmbeddedAgents.run(dir, ROUNDS, AGENTS);

    assertEquals(ROUNDS * AGENTS, result.groupsRecorded());
    assertEquals(result.groupsRecorded(), result.finalStatus().acknowledgedGroups());
    assertFalse(result.versionsSeen().isEmpty(), "no adapter version reached the agents' policy");
    assertTrue(result.versionsSeen().stream().anyMatch(v -> v > 0), "versions seen: " + result.versionsSeen());
    assertTrue(result.finalStatus().trainerSteps() > 0);
    assertTrue(result.firstRoundMeanReward() >= 0 && result.firstRoundMeanReward() <= 1);
    assertTrue(result.lastRoundMeanReward() >= 0 && result.lastRoundMeanReward() <= 1);

    // durable: a new engine on the same folder finds every group the agents recorded
    try (SwarmEngine reopened = SwarmEngine.start(EmbeddedAgents.config(dir, ROUNDS, AGENTS))) {
      EngineStatus status = reopened.status().toCompletableFuture().join();
      assertEquals(result.groupsRecorded(), status.replaySize());
      assertEquals(result.groupsRecorded(), status.acknowledgedGroups());
    }
  }
}
