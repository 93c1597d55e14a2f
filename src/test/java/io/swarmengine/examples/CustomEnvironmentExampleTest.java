package io.swarmengine.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.typed.javadsl.AskPattern;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.swarmengine.engine.EngineStatus;
import io.swarmengine.engine.SwarmEngine;
import io.swarmengine.env.Environment;
import io.swarmengine.env.Task;
import io.swarmengine.examples.custom.WordLengthTask;
import io.swarmengine.persistence.SwarmConfig;
import io.swarmengine.replay.EpisodeGroup;
import io.swarmengine.replay.Replay;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The custom-environment example: its task's rewards, and a run of its run.conf as `swarm run` would start it. */
class CustomEnvironmentExampleTest {
  private static final File RUN_CONF = new File("examples/custom-environment/run.conf");
  private final Task task = new WordLengthTask();

  @Test
  void exactCountScoresOneOffByOneHalfElseNothing() {
    assertEquals("len(planet)=", observationShowing("planet"));
    long seed = seedOf("planet");
    assertEquals(1.0, reward(seed, "6"));
    assertEquals(1.0, reward(seed, " 6\nmore text"));
    assertEquals(0.5, reward(seed, "5"));
    assertEquals(0.5, reward(seed, "7"));
    assertEquals(0.0, reward(seed, "8"));
    assertEquals(0.0, reward(seed, "six"));
    assertEquals(0.0, reward(seed, ""));
    assertEquals(task.successReward(), reward(seed, task.demonstration(seed).orElseThrow().get(0)));
  }

  @Test
  void anEpisodeEndsAfterOneAnswer() {
    Environment env = task.start(3);
    Environment.Step step = env.act("4");
    assertTrue(step.done());
    assertEquals("", env.observation());
    assertThrows(IllegalStateException.class, () -> env.act("4"));
  }

  @Test
  void theEngineMakesTheTaskFromItsClassName() {
    assertEquals("word-length", Task.byName(WordLengthTask.class.getName()).name());
  }

  @Test
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void runConfRunsToTheEndOnTheUsersTask(@TempDir Path dir) throws Exception {
    Config file = ConfigFactory.parseFile(RUN_CONF);
    assertEquals(WordLengthTask.class.getName(), file.getString("swarm.task"));
    long positions = 24;
    Config config = SwarmConfig.load(ConfigFactory.parseMap(Map.of(
        "swarm.data-dir", dir.toString(),
        "swarm.positions", positions)).withFallback(file));

    try (SwarmEngine engine = SwarmEngine.start(config)) {
      assertEquals("word-length", engine.settings().task().name());
      engine.finished().get(60, TimeUnit.SECONDS);

      EngineStatus status = engine.status().toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertTrue(status.finished());
      assertEquals(positions, status.completedPositions());
      assertEquals(positions, status.totalPositions());
      assertEquals(positions, status.acknowledgedGroups());

      for (EpisodeGroup group : sample(engine, 8)) {
        assertEquals("word-length", group.metadata().get("task"));
        assertEquals(config.getInt("swarm.rollout.group-size"), group.episodes().size());
      }
    }
  }

  private List<EpisodeGroup> sample(SwarmEngine engine, int n) throws Exception {
    Replay.SampleReply reply = AskPattern.<Replay.Command, Replay.SampleReply>ask(engine.replay(),
            replyTo -> new Replay.Sample(n, null, Long.MAX_VALUE, 5_000, replyTo), Duration.ofSeconds(10),
            engine.system().scheduler())
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
    List<EpisodeGroup> items = ((Replay.SampledBatch) reply).items();
    assertFalse(items.isEmpty());
    return items;
  }

  private double reward(long seed, String answer) {
    return task.start(seed).act(answer).reward();
  }

  private String observationShowing(String word) {
    return task.start(seedOf(word)).observation();
  }

  /** The first seed whose question is about {@code word}. */
  private long seedOf(String word) {
    String observation = "len(" + word + ")=";
    for (long seed = 0; ; seed++) {
      if (task.start(seed).observation().equals(observation)) {
        return seed;
      }
    }
  }
}
