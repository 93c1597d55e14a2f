package io.swarmengine.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SwarmConfigTest {
  @Test
  void theEnginesAkkaSettingsAreLayeredAboveAkkasDefaults() {
    Config config = SwarmConfig.load(ConfigFactory.empty());
    assertEquals(List.of("akka.event.slf4j.Slf4jLogger"), config.getStringList("akka.loggers"));
    assertEquals("akka.event.slf4j.Slf4jLoggingFilter", config.getString("akka.logging-filter"));
    assertEquals(Duration.ofMillis(30), config.getDuration("akka.scheduler.tick-duration"));
  }

  @Test
  void theCallersOverridesWin() {
    Config config = SwarmConfig.load(ConfigFactory.parseString("akka.scheduler.tick-duration = 10ms"));
    assertEquals(Duration.ofMillis(10), config.getDuration("akka.scheduler.tick-duration"));
  }
}
