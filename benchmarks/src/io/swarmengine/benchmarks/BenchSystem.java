package io.swarmengine.benchmarks;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.swarmengine.persistence.JournalSchema;
import io.swarmengine.persistence.SwarmConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * An actor system on a fresh data folder with the embedded H2 journal, as the benchmarks need it:
 * the engine's configuration with {@code overrides}, and without the test classpath's
 * serialization check of every message (a test-only cost).
 */
final class BenchSystem implements AutoCloseable {
  final Path dataDir;
  final Config config;
  final ActorSystem<Void> system;

  BenchSystem(String name, Map<String, String> overrides) throws Exception {
    this(name, Files.createTempDirectory("swarm-bench"), overrides);
  }

  /** A system on {@code dataDir} as it is (to start again on what an earlier one left). */
  BenchSystem(String name, Path dataDir, Map<String, String> overrides) {
    this.dataDir = dataDir;
    Map<String, String> all = new HashMap<>(overrides);
    all.put("swarm.data-dir", dataDir.toString());
    all.put("akka.actor.serialize-messages", "off");
    this.config = SwarmConfig.load(ConfigFactory.parseMap(all));
    this.system = ActorSystem.create(Behaviors.empty(), name, config);
    JournalSchema.ensure(system, Duration.ofSeconds(30));
  }

  /** Stops the system; the data folder stays. */
  @Override
  public void close() throws Exception {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  /** Stops the system and deletes its data folder. */
  void closeAndDelete() throws Exception {
    close();
    try (var paths = Files.walk(dataDir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
