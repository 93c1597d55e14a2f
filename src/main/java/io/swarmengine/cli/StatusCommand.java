package io.swarmengine.cli;

import io.swarmengine.engine.EngineStatus;
import io.swarmengine.engine.RunInspection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code swarm status --data DIR}: one JSON object, live or stopped. */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = {
      "Print a run's status as one JSON object, live or stopped.",
      "Fields: next_position, completed_positions, adapter_version, replay_size,"
          + " acknowledged_groups and more. While the run is live it reads the status the engine"
          + " writes about once a second (running: true); after it stopped it recovers the cursor,"
          + " replay and adapter hub from the journal."
    })
final class StatusCommand implements Runnable {
  @Spec CommandSpec spec;

  @Option(names = "--data", required = true, paramLabel = "DIR", description = "the run's data folder")
  Path data;

  @Override
  public void run() {
    EngineStatus status;
    if (RunInspection.isLive(data)) {
      try {
        status = read(data.resolve("status.json"));
      } catch (IOException e) {
        throw new CliError("the run in " + data + " is live but has not written " + data.resolve("status.json") + " yet");
      }
    } else {
      StoppedRun.config(data); // refuses a folder without a run
      try {
        status = RunInspection.stopped(data);
      } catch (IllegalStateException e) {
        throw new CliError(e.getMessage());
      }
    }
    try {
      spec.commandLine().getOut().println(io.swarmengine.engine.RunInspection.JSON.writeValueAsString(status));
    } catch (IOException e) {
      throw new IllegalStateException("cannot write the status as JSON", e);
    }
    spec.commandLine().getOut().flush();
  }

  static EngineStatus read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException("no " + file);
    }
    return RunInspection.JSON.readValue(file.toFile(), EngineStatus.class);
  }
}
