package io.swarmengine.examples.embedded;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.swarmengine.engine.EngineStatus;
import io.swarmengine.engine.Policy;
import io.swarmengine.engine.SwarmEngine;
import io.swarmengine.env.Task;
import io.swarmengine.persistence.SwarmConfig;
import io.swarmengine.replay.Episode;
import io.swarmengine.replay.EpisodeGroup;
import io.swarmengine.replay.Replay;
import io.swarmengine.worker.WorkerListener;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.DoubleAdder;

/**
 * A JVM application with its own agents, and the engine embedded in it as a library. The engine runs
 * no workers of its own ({@code swarm.workers.count = 0}): the agents are the only source of
 * episodes. Each agent asks the engine's {@link Policy} for G answers to a question from its own
 * environment, grades them there, and records them as one episode group; every second position asks
 * the trainer for a step, and the policy moves to each new adapter by itself, so the agents act
 * with what was learned from their own episodes while they run.
 *
 * <p>Run it with {@code java -cp ... io.swarmengine.examples.embedded.EmbeddedAgents DATA_DIR [ROUNDS]}.
 */
public final class EmbeddedAgents {

  /** Agents of {@link #main}. */
  private static final int AGENTS = 3;

  /** How long the end of a run waits for the trainer's newest adapter to reach the policy. */
  private static final Duration CATCH_UP = Duration.ofSeconds(20);

  /**
   * What a run did: the episode groups the replay made durable, the adapter versions the policy
   * moved to (in order; 0 is the base model), the mean reward of each round's episodes, and the
   * engine's status just before it closed.
   */
  public record Result(long groupsRecorded, List<Long> versionsSeen, List<Double> meanRewardByRound, EngineStatus finalStatus) {
    public double firstRoundMeanReward() {
      return meanRewardByRound.get(0);
    }

    public double lastRoundMeanReward() {
      return meanRewardByRound.get(meanRewardByRound.size() - 1);
    }
  }

  private EmbeddedAgents() {}

  public static void main(String[] args) {
    if (args.length < 1 || args.length > 2) {
      System.err.println("usage: EmbeddedAgents DATA_DIR [ROUNDS]");
      System.exit(2);
    }
    int rounds = args.length == 2 ? Integer.parseInt(args[1]) : 20;
    Result result = run(Path.of(args[0]), rounds, AGENTS);
    System.out.printf(Locale.ROOT, "%d groups recorded; adapter versions seen %s%n", result.groupsRecorded(), result.versionsSeen());
    System.out.println("mean reward by round: " + result.meanRewardByRound().stream()
        .map(r -> String.format(Locale.ROOT, "%.2f", r)).toList());
  }

  /**
   * The engine's configuration for {@code agents} agents playing {@code rounds} rounds in
   * {@code dataDir}: one position per agent and round, a model small enough to warm-start in seconds.
   */
  public static Config config(Path dataDir, int rounds, int agents) {
    return SwarmConfig.load(ConfigFactory.parseMap(Map.ofEntries(
        Map.entry("swarm.data-dir", dataDir.toString()),
        Map.entry("swarm.workers.count", 0),
        Map.entry("swarm.task", "arithmetic:9"),
        Map.entry("swarm.positions", rounds * agents),
        Map.entry("swarm.schedule", "schedule=0..100%:train(scope=attn+ffn,opt=adam,lr=0.003,stride=2,clip=1.0)"),
        Map.entry("swarm.model.layers", 1),
        Map.entry("swarm.model.embd", 32),
        Map.entry("swarm.model.context", 32),
        Map.entry("swarm.model.warm-start.steps", 60),
        Map.entry("swarm.model.warm-start.lr", 3e-3),
        Map.entry("swarm.model.warm-start.eval", 64),
        Map.entry("swarm.model.warm-start.eval-every", 30),
        Map.entry("swarm.rollout.group-size", 4),
        Map.entry("swarm.trainer.batch-groups", 8))));
  }

  /** Starts the engine on {@code dataDir}, lets {@code agents} agents play {@code rounds} rounds each, and closes it. */
  public static Result run(Path dataDir, int rounds, int agents) {
    if (rounds < 1 || agents < 1) {
      throw new IllegalArgumentException("rounds and agents must be >= 1, got " + rounds + " and " + agents);
    }
    List<Long> versionsSeen = new CopyOnWriteArrayList<>();
    DoubleAdder[] roundRewards = new DoubleAdder[rounds];
    for (int r = 0; r < rounds; r++) {
      roundRewards[r] = new DoubleAdder();
    }
    try (SwarmEngine engine = SwarmEngine.start(config(dataDir, rounds, agents), line -> System.out.println("engine | " + line),
        WorkerListener.NONE)) {
      engine.onVersion(version -> {
        long number = version == null ? 0 : version.number();
        versionsSeen.add(number);
        System.out.println("the agents now act with adapter v" + number);
      });
      ExecutorService pool = Executors.newFixedThreadPool(agents);
      long recorded = 0;
      try {
        List<Future<Long>> agentsDone = new ArrayList<>();
        for (int a = 0; a < agents; a++) {
          Agent agent = new Agent(a, agents, engine, roundRewards);
          agentsDone.add(pool.submit(() -> agent.play(rounds)));
        }
        for (Future<Long> done : agentsDone) {
          recorded += done.get();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while the agents played", e);
      } catch (ExecutionException e) {
        throw new IllegalStateException("an agent failed: " + e.getCause(), e.getCause());
      } finally {
        pool.shutdownNow();
      }
      EngineStatus status = awaitPolicyCaughtUp(engine);
      double episodesPerRound = agents * engine.settings().rollout().groupSize();
      List<Double> meanRewardByRound = Arrays.stream(roundRewards).map(sum -> sum.sum() / episodesPerRound).toList();
      return new Result(recorded, List.copyOf(versionsSeen), meanRewardByRound, status);
    }
  }

  /**
   * Waits (at most {@link #CATCH_UP}) until the policy generates with the newest good adapter the
   * trainer has published, so that the result shows where the run ended; returns the status then.
   */
  private static EngineStatus awaitPolicyCaughtUp(SwarmEngine engine) {
    long deadline = System.nanoTime() + CATCH_UP.toNanos();
    while (true) {
      EngineStatus status = engine.status().toCompletableFuture().join();
      // the hub's broadcast may overtake its reply to the trainer: wait for the trainer's count too
      boolean caughtUp = status.adapterVersion() > 0 && engine.policy().version() == status.adapterVersion()
          && status.trainerSteps() > 0;
      if (caughtUp || System.nanoTime() > deadline) {
        return status;
      }
      try {
        TimeUnit.MILLISECONDS.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return status;
      }
    }
  }

  /**
   * One agent: its own stream of questions, G answers per question from the shared policy, one
   * durable episode group per question. Position {@code round * agents + index} is this agent's in
   * each round, so positions are unique and the schedule's train positions fall to every agent.
   */
  private record Agent(int index, int agents, SwarmEngine engine, DoubleAdder[] roundRewards) {

    String name() {
      return "agent-" + index;
    }

    /** Plays {@code rounds} questions; returns the groups the replay made durable. */
    long play(int rounds) {
      Task task = engine.settings().task();
      int samples = engine.settings().rollout().groupSize();
      long durable = 0;
      for (int round = 0; round < rounds; round++) {
        long position = (long) round * agents + index;
        long seed = 1_000_003L * (index + 1) + round;
        String question = task.start(seed).observation();
        List<Policy.Action> answers = engine.policy().act(question, samples);
        List<Episode> episodes = new ArrayList<>(samples);
        List<String> graded = new ArrayList<>(samples);
        for (Policy.Action answer : answers) {
          // every answer is graded on its own episode from the same seed: the same question, untouched
          double reward = task.start(seed).act(answer.text()).reward();
          episodes.add(new Episode(List.of(answer.turn(reward))));
          graded.add(String.format(Locale.ROOT, "%s→%.2f", answer.text().strip(), reward));
          roundRewards[round].add(reward);
        }
        EpisodeGroup group = new EpisodeGroup(name() + "/p" + position, position, name(), answers.get(0).version(), episodes,
            Map.of("agent", name(), "task", task.name()), System.currentTimeMillis());
        Replay.InsertResult result = engine.record(List.of(group)).toCompletableFuture().join();
        if (!result.rejected().isEmpty()) {
          throw new IllegalStateException("the replay refused " + group.id() + ": " + result.rejected());
        }
        if (!result.duplicates().isEmpty()) {
          throw new IllegalStateException("the replay already holds " + group.id() + " from an earlier run: use a new data folder");
        }
        durable += result.accepted().size();
        System.out.printf(Locale.ROOT, "%s round %d: %s %s (adapter v%d)%n", name(), round, question, graded,
            group.adapterVersion());
      }
      return durable;
    }
  }
}
