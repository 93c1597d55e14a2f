package io.swarmengine.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunInspectionTest {
  @TempDir Path data;

  @Test
  void toolsOpenAStoppedRunWithTheSettingsItWasStartedWith() throws Exception {
    assertEquals(1000, RunInspection.configOf(data).getInt("swarm.adapters.keep-versions"), "no run.conf: the defaults");
    // as the engine writes it: the run's swarm block, its data-dir wherever the run was started from
    Files.writeString(data.resolve("run.conf"), """
        swarm {
          data-dir = "/elsewhere"
          adapters { keep-versions = 50, persistence-id = "hub-b" }
          replay { persistence-id = "replay-b" }
        }
        """);
    Config config = RunInspection.configOf(data);
    assertEquals(50, config.getInt("swarm.adapters.keep-versions"));
    assertEquals("hub-b", config.getString("swarm.adapters.persistence-id"));
    assertEquals("replay-b", config.getString("swarm.replay.persistence-id"));
    assertEquals(data.toString(), config.getString("swarm.data-dir"), "the folder asked about, wherever it moved");
    assertEquals("policy-cursor", config.getString("swarm.cursor.persistence-id"), "what run.conf lacks keeps its default");
  }
}
