package io.swarmengine.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.swarmengine.engine.EngineStatus;
import io.swarmengine.engine.SwarmEngine;
import io.swarmengine.persistence.SwarmConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * What {@code swarm demo} and {@code swarm run} share: start the engine on the data folder (resuming
 * what is there), show the schedule and live progress, wait for the end of the run or Ctrl-C, then
 * close it (final status, metrics.csv, report.html) and print the summary and the files.
 */
final class LiveRun {
  private LiveRun() {}

  static void run(Config overrides, PrintWriter out) {
    Config config;
    SwarmEngine engine;
    // Ctrl-C before the engine is up (in the warm start, mostly) has nothing to finish: say so
    Thread stopWhileStarting = new Thread(() -> {
      out.println("stopped (Ctrl-C) while the run was starting: nothing acknowledged is lost; run the same command"
          + " again to go on (a warm start goes on from its last evaluation)");
      out.flush();
    }, "swarm-stop-starting");
    Runtime.getRuntime().addShutdownHook(stopWhileStarting);
    try {
      config = SwarmConfig.load(overrides);
      if (config.getInt("swarm.workers.count") < 1) {
        throw new CliError("swarm.workers.count is " + config.getInt("swarm.workers.count")
            + ": a command-line run needs built-in workers (an application with its own agents embeds SwarmEngine)");
      }
      engine = SwarmEngine.start(config, line -> {
        out.println(line);
        out.flush();
      }, io.swarmengine.worker.WorkerListener.NONE);
    } catch (ConfigException e) {
      throw new CliError(e.getMessage());
    } catch (IllegalStateException | IllegalArgumentException e) {
      throw new CliError(e.getMessage());
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(stopWhileStarting);
      } catch (IllegalStateException shuttingDown) {
        // Ctrl-C came during the start: that hook has said so, and the JVM halts once it is done
      }
    }
    Path data = engine.settings().dataDir();
    out.println("run in " + data + ": task " + engine.settings().task().name() + ", "
        + (engine.settings().positions() == null ? "unbounded" : engine.settings().positions() + " positions") + ", "
        + engine.settings().workers() + " workers, G=" + engine.settings().rollout().groupSize());
    out.println("schedule: " + engine.settings().schedule().canonical());
    out.flush();
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      out.println("stopping (Ctrl-C): finishing the current writes; run the same command again to resume");
      out.flush();
      engine.close();
      stopped.countDown();
    }, "swarm-stop");
    try {
      Runtime.getRuntime().addShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      engine.close(); // Ctrl-C came as the start ended: stop as gracefully as the JVM lets us
      return;
    }
    Throwable failure = null;
    try {
      engine.finished().join();
    } catch (CompletionException e) {
      failure = e.getCause();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      awaitQuietly(stopped); // Ctrl-C came as the run finished: the hook closes it
      return;
    }
    engine.close();
    if (failure != null) {
      throw new CliError(failure.getMessage() + "; run the same command again to resume once the cause is fixed");
    }
    EngineStatus last = readStatus(data);
    out.println();
    if (last != null) {
      engine.summary(last).forEach(out::println);
    }
    out.println("metrics: " + data.resolve("metrics.csv"));
    out.println("report:  " + data.resolve("report.html"));
    out.flush();
  }

  private static EngineStatus readStatus(Path data) {
    try {
      return StatusCommand.read(data.resolve("status.json"));
    } catch (java.io.IOException e) {
      return null;
    }
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
