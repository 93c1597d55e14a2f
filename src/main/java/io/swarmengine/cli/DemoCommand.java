package io.swarmengine.cli;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code swarm demo}: a small model learns arithmetic live. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    resourceBundle = "io.swarmengine.cli.SwarmDefaults",
    description = {
      "Watch a small GPT-2 get better at arithmetic while it runs.",
      "With no base model in --data it first warm-starts one with SFT; then workers play episode"
          + " groups (17+3=20), a trainer takes GRPO steps on a LoRA adapter and every worker"
          + " hot-reloads each new version. Prints progress about once a second, then"
          + " DIR/metrics.csv and DIR/report.html. Running it again on the same folder resumes the"
          + " run; Ctrl-C stops it gracefully."
    })
final class DemoCommand implements Runnable {
  @Spec CommandSpec spec;

  @Option(names = "--data", defaultValue = "data", paramLabel = "DIR", description = "the run's data folder (default: ${DEFAULT-VALUE})")
  Path data;

  @Option(names = "--positions", paramLabel = "N", description = "episode groups to play (default: swarm.positions, ${bundle:swarm.positions})")
  Long positions;

  @Option(names = "--workers", paramLabel = "W", description = "built-in workers (default: swarm.workers.count, ${bundle:swarm.workers.count})")
  Integer workers;

  @Option(names = "--seed", paramLabel = "S", description = "the run's seed (default: swarm.seed, ${bundle:swarm.seed})")
  Long seed;

  @Override
  public void run() {
    if (positions != null && positions < 1) {
      throw new CliError("--positions must be >= 1, got " + positions);
    }
    if (workers != null && workers < 1) {
      throw new CliError("--workers must be >= 1, got " + workers);
    }
    Map<String, Object> overrides = new HashMap<>();
    overrides.put("swarm.data-dir", data.toString());
    if (positions != null) {
      overrides.put("swarm.positions", positions);
    }
    if (workers != null) {
      overrides.put("swarm.workers.count", workers);
    }
    if (seed != null) {
      overrides.put("swarm.seed", seed);
    }
    LiveRun.run(ConfigFactory.parseMap(overrides), spec.commandLine().getOut());
  }
}
