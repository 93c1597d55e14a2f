package io.swarmengine.cli;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import com.typesafe.config.Config;
import io.swarmengine.engine.RunInspection;
import io.swarmengine.persistence.JournalSchema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What the commands that look into a stopped run share: the run's configuration (its
 * {@code run.conf} over the defaults, refusing a folder with no journal), and an actor system on
 * it that is always terminated, its failures turned into one-line user errors.
 */
final class StoppedRun {
  /** The work to do with the run's actor system. */
  @FunctionalInterface
  interface Work<T> {
    T run(ActorSystem<Void> system, Config config) throws ExecutionException, TimeoutException, InterruptedException;
  }

  private StoppedRun() {}

  static Config config(Path data) {
    Config config = RunInspection.configOf(data);
    if (config.getString("swarm.journal").equals("h2")) {
      Path db = Path.of(config.getString("swarm.data-dir"), "journal", "swarm.mv.db");
      if (!Files.isRegularFile(db)) {
        throw new CliError("no run in " + data + ": there is no journal database " + db);
      }
    }
    return config;
  }

  /** Runs {@code work} on an actor system for the run in {@code data}; {@code who} names what did not answer. */
  static <T> T with(Path data, String systemName, String who, Work<T> work) {
    if (RunInspection.isLive(data)) {
      // its engine holds the journal; with PostgreSQL a second writer would even get in
      throw new CliError("the run in " + data + " is live: this command reads a stopped run (stop it with Ctrl-C;"
          + " `swarm status --data " + data + "` works on a live run)");
    }
    Config config = config(data);
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), systemName, config);
    try {
      JournalSchema.verify(config);
      return work.run(system, config);
    } catch (IllegalStateException e) {
      throw new CliError(e.getMessage());
    } catch (ExecutionException | TimeoutException e) {
      throw new CliError(who + " did not answer: " + e.getMessage());
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
