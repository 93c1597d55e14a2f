package io.swarmengine.cli;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.AskPattern;
import akka.actor.typed.javadsl.Behaviors;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.typesafe.config.Config;
import io.swarmengine.persistence.JournalSchema;
import io.swarmengine.persistence.SwarmConfig;
import io.swarmengine.replay.Replay;
import io.swarmengine.replay.ReplayInspection;
import io.swarmengine.replay.ReplaySettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code swarm replay}: look into a run's persisted replay. */
@Command(
    name = "replay",
    mixinStandardHelpOptions = true,
    description = "Inspect the durable prioritized replay of a run.",
    subcommands = {ReplayCommand.Stats.class})
final class ReplayCommand extends ParentCommand {

  @Command(
      name = "stats",
      mixinStandardHelpOptions = true,
      description = {
        "Recover the replay of the run in --data (not while that run is live) and print it as JSON:",
        "size, total priority, priority histogram, oldest and newest positions, adapter versions",
        "present, the running counters and a digest of its content."
      })
  static final class Stats implements Runnable {
    @Spec CommandSpec spec;

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "the run's data folder")
    Path data;

    @Override
    public void run() {
      Config config = SwarmConfig.forDataDir(data);
      if (config.getString("swarm.journal").equals("h2")) {
        Path db = Path.of(config.getString("swarm.data-dir"), "journal", "swarm.mv.db");
        if (!Files.isRegularFile(db)) {
          throw new CliError("no run in " + data + ": there is no journal database " + db);
        }
      }
      ReplayInspection inspection = inspect(config);
      try {
        ObjectMapper mapper =
            JsonLines.MAPPER
                .copy()
                .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .enable(SerializationFeature.INDENT_OUTPUT);
        spec.commandLine().getOut().println(mapper.writeValueAsString(inspection));
        spec.commandLine().getOut().flush();
      } catch (Exception e) {
        throw new IllegalStateException("cannot write the replay as JSON", e);
      }
    }

    private static ReplayInspection inspect(Config config) {
      ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "swarm-replay-stats", config);
      try {
        JournalSchema.verify(config);
        ReplaySettings settings = ReplaySettings.fromConfig(config);
        ActorRef<Replay.Command> replay =
            system.systemActorOf(Replay.create(settings, 0), "replay", Props.empty());
        return AskPattern.<Replay.Command, ReplayInspection>ask(
                replay, Replay.Inspect::new, Duration.ofMinutes(5), system.scheduler())
            .toCompletableFuture()
            .get(5, TimeUnit.MINUTES);
      } catch (IllegalStateException e) {
        throw new CliError(e.getMessage());
      } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
        throw new CliError("the replay did not recover: " + e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CliError("interrupted");
      } finally {
        system.terminate();
        try {
          system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
          // the process is about to exit anyway
        }
      }
    }
  }
}
