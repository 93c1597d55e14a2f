package io.swarmengine.engine;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import io.swarmengine.persistence.SwarmConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every part's settings are read before the run starts: a bad value costs no warm start and writes nothing. */
class EngineSettingsTest {
  @TempDir Path data;

  private Config with(String key, Object value) {
    return SwarmConfig.load(ConfigFactory.parseMap(Map.of("swarm.data-dir", data.toString(), key, value)));
  }

  @Test
  void badReplayCursorAndHubSettingsNameTheirKey() {
    ConfigException replay = assertThrows(ConfigException.BadValue.class,
        () -> EngineSettings.from(with("swarm.replay.capacity", -3)));
    assertTrue(replay.getMessage().contains("swarm.replay") && replay.getMessage().contains("capacity must be >= 1"),
        replay.getMessage());
    ConfigException cursor = assertThrows(ConfigException.BadValue.class,
        () -> EngineSettings.from(with("swarm.cursor.lease-timeout", "0s")));
    assertTrue(cursor.getMessage().contains("swarm.cursor.lease-timeout must be > 0"), cursor.getMessage());
    ConfigException hub = assertThrows(ConfigException.BadValue.class,
        () -> EngineSettings.from(with("swarm.adapters.keep-versions", 3)));
    assertTrue(hub.getMessage().contains("swarm.adapters.keep-versions"), hub.getMessage());
  }

  @Test
  void aKeyReferenceConfDoesNotHaveIsRefusedWhereItWasSetWithTheKeyMeant() {
    Config typos = ConfigFactory.parseString("""
        swarm {
          positons = 200
          worker { count = 1 }
          zzz-nothing-like-it = 1
        }
        """, com.typesafe.config.ConfigParseOptions.defaults().setOriginDescription("run.conf"));
    Config config = SwarmConfig.load(typos.withFallback(ConfigFactory.parseMap(Map.of("swarm.data-dir", data.toString()))));
    ConfigException e = assertThrows(ConfigException.ValidationFailed.class, () -> EngineSettings.from(config));
    String why = e.getMessage();
    assertTrue(why.contains("run.conf: 2: swarm.positons: not a setting of the engine (did you mean swarm.positions?)"), why);
    assertTrue(why.contains("run.conf: 3: swarm.worker.count: not a setting of the engine (did you mean swarm.workers.count?)"), why);
    assertTrue(why.contains("swarm.zzz-nothing-like-it: not a setting of the engine,") || why.endsWith("swarm.zzz-nothing-like-it: not a setting of the engine"),
        "no suggestion when nothing is close: " + why);
    EngineSettings.from(with("swarm.workers.count", 1)); // known keys pass, the derived journal-db with them
  }

  @Test
  void aScheduleTooLongForTheRunSaysHowManyPositionsItResolvedAgainst() {
    // reference.conf's schedule trains from position 64 on: a run of 64 positions leaves it an empty segment
    ConfigException e = assertThrows(ConfigException.BadValue.class, () -> EngineSettings.from(with("swarm.positions", 64)));
    assertTrue(e.getMessage().contains("swarm.schedule") && e.getMessage().contains("(64..64)")
        && e.getMessage().contains("resolved against the run's 64 positions"), e.getMessage());
    ConfigException unbounded = assertThrows(ConfigException.BadValue.class, () -> EngineSettings.from(
        SwarmConfig.load(ConfigFactory.parseMap(Map.of("swarm.data-dir", data.toString(), "swarm.positions", 0)))));
    assertTrue(unbounded.getMessage().contains("the run is unbounded"), unbounded.getMessage());
  }

  @Test
  void aBadValueStopsTheStartBeforeTheWarmStart() {
    assertThrows(ConfigException.BadValue.class, () -> SwarmEngine.start(with("swarm.replay.capacity", -3)));
    assertFalse(Files.exists(data.resolve("base")), "no base model was warm-started");
    assertFalse(Files.exists(data.resolve("journal")), "no journal was opened");
  }
}
