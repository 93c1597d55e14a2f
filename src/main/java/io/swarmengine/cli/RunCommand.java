package io.swarmengine.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code swarm run --config FILE}: any run described in HOCON. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Run the self-improvement loop a HOCON file describes.",
      "The file's swarm { ... } block overrides the defaults of reference.conf (task, model, lora,"
          + " rollout, workers, trainer, replay, schedule, positions; see the README). Resumes the run"
          + " already in the data folder; Ctrl-C stops it gracefully."
    })
final class RunCommand implements Runnable {
  @Spec CommandSpec spec;

  @Option(names = "--config", required = true, paramLabel = "FILE", description = "the run's HOCON file")
  Path file;

  @Option(names = "--data", paramLabel = "DIR", description = "the run's data folder (default: the file's swarm.data-dir, else ./data)")
  Path data;

  @Override
  public void run() {
    if (!Files.isRegularFile(file)) {
      throw new CliError("no config file " + file);
    }
    Config config;
    try {
      config = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
    } catch (ConfigException e) {
      throw new CliError("cannot read " + file + ": " + e.getMessage());
    }
    if (data != null) {
      config = ConfigFactory.parseMap(Map.of("swarm.data-dir", data.toString())).withFallback(config);
    }
    LiveRun.run(config, spec.commandLine().getOut());
  }
}
