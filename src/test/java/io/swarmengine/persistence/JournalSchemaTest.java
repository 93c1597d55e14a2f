package io.swarmengine.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalSchemaTest {
  @TempDir Path dataDir;

  @Test
  void h2DatabaseIsCreatedUnderTheDataFolderOnFirstUseAndAgainWithoutHarm() {
    Config config = SwarmConfig.forDataDir(dataDir);
    assertEquals(
        "jdbc:h2:file:" + dataDir.toAbsolutePath() + "/journal/swarm;WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE;MAX_LENGTH_INPLACE_LOB=65536",
        config.getString("akka-persistence-jdbc.shared-databases.slick.db.url"));
    IllegalStateException missing =
        assertThrows(IllegalStateException.class, () -> JournalSchema.verify(config));
    assertTrue(missing.getMessage().contains("journal table 'event_journal' is missing"), missing.getMessage());
    for (int start = 0; start < 2; start++) {
      ActorTestKit kit = ActorTestKit.create("schema" + start, config);
      try {
        JournalSchema.ensure(kit.system(), Duration.ofSeconds(30));
      } finally {
        kit.shutdownTestKit();
      }
    }
    assertTrue(Files.exists(dataDir.resolve("journal").resolve("swarm.mv.db")));
    JournalSchema.verify(config);
  }

  @Test
  void anUnknownJournalKindIsAClearError() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> SwarmConfig.load(ConfigFactory.parseMap(Map.of("swarm.journal", "mongo"))));
    assertTrue(e.getMessage().contains("'mongo' is not a journal; expected h2 or postgres"), e.getMessage());
  }
}
