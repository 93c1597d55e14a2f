package io.swarmengine.persistence;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigResolveOptions;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * Loads the engine's configuration: the caller's overrides, then system properties and
 * application.conf, then the journal plugin settings ({@code swarm-persistence.conf}) and the Akka
 * settings of the engine ({@code swarm-akka.conf}: in reference.conf, Akka's own would win), then
 * reference.conf. The journal database is derived from {@code swarm.journal}: an embedded H2 file
 * under {@code swarm.data-dir/journal} by default, or the PostgreSQL server of {@code swarm.postgres}.
 */
public final class SwarmConfig {
  private SwarmConfig() {}

  /** The configuration of a run whose state lives in {@code dataDir}. */
  public static Config forDataDir(Path dataDir) {
    return load(ConfigFactory.parseMap(Map.of("swarm.data-dir", dataDir.toString())));
  }

  /** The configuration with {@code overrides} on top. */
  public static Config load(Config overrides) {
    // Initialise logging before any actor system exists: otherwise Akka's first log calls race
    // Logback's start-up and SLF4J prints a "replayed" warning on stderr.
    LoggerFactory.getILoggerFactory();
    Config layered =
        overrides
            .withFallback(ConfigFactory.defaultOverrides())
            .withFallback(ConfigFactory.defaultApplication())
            .withFallback(ConfigFactory.parseResources("swarm-persistence.conf"))
            .withFallback(ConfigFactory.parseResources("swarm-akka.conf"))
            .withFallback(ConfigFactory.defaultReference());
    // swarm-persistence.conf refers to swarm.journal-db, derived below: read the rest first
    Config swarm = layered.resolve(ConfigResolveOptions.defaults().setAllowUnresolved(true));
    Path dataDir = Path.of(swarm.getString("swarm.data-dir")).toAbsolutePath().normalize();
    Map<String, Object> derived = new HashMap<>();
    derived.put("swarm.data-dir", dataDir.toString());
    derived.put("swarm.journal-db", journalDatabase(swarm, dataDir));
    return ConfigFactory.parseMap(derived).withFallback(layered).resolve();
  }

  private static Map<String, String> journalDatabase(Config swarm, Path dataDir) {
    String kind = swarm.getString("swarm.journal");
    switch (kind) {
      case "h2":
        // WRITE_DELAY=0: a commit reaches the file before the journal acknowledges it, so an
        // acknowledged event survives kill -9. DB_CLOSE_ON_EXIT=FALSE: H2's own shutdown hook must
        // not close the database under Akka's coordinated shutdown. MAX_LENGTH_INPLACE_LOB: the
        // journal's payload columns are BLOBs, which H2 keeps apart (three more maps to write per
        // commit) above 256 bytes; events up to 64 KB stay in their row: a third less CPU per commit.
        return Map.of(
            "profile", "slick.jdbc.H2Profile$",
            "driver", "org.h2.Driver",
            "url",
            "jdbc:h2:file:"
                + dataDir.resolve("journal").resolve("swarm")
                + ";WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE;MAX_LENGTH_INPLACE_LOB=65536",
            "user", "sa",
            "password", "");
      case "postgres":
        return Map.of(
            "profile", "slick.jdbc.PostgresProfile$",
            "driver", "org.postgresql.Driver",
            "url", swarm.getString("swarm.postgres.url"),
            "user", swarm.getString("swarm.postgres.user"),
            "password", swarm.getString("swarm.postgres.password"));
      default:
        throw new ConfigException.BadValue(
            "swarm.journal", "'" + kind + "' is not a journal; expected h2 or postgres");
    }
  }
}
