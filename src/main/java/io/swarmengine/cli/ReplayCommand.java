package io.swarmengine.cli;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.AskPattern;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.swarmengine.replay.Replay;
import io.swarmengine.replay.ReplayInspection;
import io.swarmengine.replay.ReplaySettings;
import java.nio.file.Path;
import java.time.Duration;
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
        "Print a stopped run's replay as JSON.",
        "Recovers the replay of the run in --data (not while that run is live) and prints its size,"
            + " total priority, priority histogram, oldest and newest positions, adapter versions"
            + " present, the running counters and a digest of its content."
      })
  static final class Stats implements Runnable {
    @Spec CommandSpec spec;

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "the run's data folder")
    Path data;

    @Override
    public void run() {
      ReplayInspection inspection =
          StoppedRun.with(data, "swarm-replay-stats", "the replay", (system, config) -> {
            ActorRef<Replay.Command> replay =
                system.systemActorOf(Replay.create(ReplaySettings.fromConfig(config), 0), "replay", Props.empty());
            return AskPattern.<Replay.Command, ReplayInspection>ask(
                    replay, Replay.Inspect::new, Duration.ofMinutes(5), system.scheduler())
                .toCompletableFuture()
                .get(5, TimeUnit.MINUTES);
          });
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
  }
}
