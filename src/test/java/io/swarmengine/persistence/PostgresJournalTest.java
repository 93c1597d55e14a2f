package io.swarmengine.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.swarmengine.cursor.CursorSettings;
import io.swarmengine.cursor.PolicyCursor;
import io.swarmengine.policy.PolicySpec;
import io.swarmengine.policy.TrainScope;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The cursor on a real PostgreSQL journal. {@code .ci/run} starts the local server and creates the
 * {@code swarm_test} database; elsewhere the test is skipped when no server answers, but under CI
 * (CI=true) a missing server fails it.
 */
class PostgresJournalTest {
  static final String URL =
      System.getenv().getOrDefault("SWARM_TEST_POSTGRES_URL", "jdbc:postgresql://localhost:5432/swarm_test");

  private static Config config() {
    return SwarmConfig.load(
        ConfigFactory.parseMap(
            Map.of(
                "swarm.journal", "postgres",
                "swarm.postgres.url", URL,
                "swarm.postgres.user", "swarm",
                "swarm.postgres.password", "swarm")));
  }

  private static boolean serverAnswers() {
    try (var c = DriverManager.getConnection(URL, "swarm", "swarm")) {
      return true;
    } catch (SQLException e) {
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError("CI must provide PostgreSQL at " + URL + ": " + e.getMessage(), e);
      }
      return false;
    }
  }

  @Test
  void cursorStateSurvivesASystemRestartOnPostgres() throws Exception {
    assumeTrue(serverAnswers(), "no PostgreSQL at " + URL);
    String persistenceId = "cursor-" + UUID.randomUUID();
    CursorSettings settings = new CursorSettings(persistenceId, Duration.ofSeconds(30), 1000, 64, 3, 2);
    PolicySpec spec = PolicySpec.parse("schedule=0..10:infer|10..100%:train", TrainScope.GPT2_SCOPES);

    ActorTestKit first = ActorTestKit.create("pg-first", config());
    PolicyCursor.Progress before;
    try {
      JournalSchema.ensure(first.system(), Duration.ofSeconds(30));
      ActorRef<PolicyCursor.Command> cursor =
          first.spawn(PolicyCursor.batched(spec, 100L, settings, Clock.systemUTC()));
      TestProbe<PolicyCursor.LeaseReply> leases = first.createTestProbe();
      TestProbe<PolicyCursor.CompleteReply> acks = first.createTestProbe();
      for (int i = 0; i < 8; i++) {
        cursor.tell(new PolicyCursor.Lease("w", 5, leases.getRef()));
        assertInstanceOf(PolicyCursor.Leased.class, leases.receiveMessage(Duration.ofSeconds(10)));
        cursor.tell(new PolicyCursor.Complete("w", 5L * i, 5L * i + 5, acks.getRef()));
        assertInstanceOf(PolicyCursor.Completed.class, acks.receiveMessage(Duration.ofSeconds(10)));
      }
      TestProbe<PolicyCursor.Progress> probe = first.createTestProbe();
      cursor.tell(new PolicyCursor.GetProgress(probe.getRef()));
      before = probe.receiveMessage(Duration.ofSeconds(10));
      assertEquals(40, before.completedPositions());
    } finally {
      first.shutdownTestKit();
    }

    ActorTestKit second = ActorTestKit.create("pg-second", config());
    try {
      JournalSchema.ensure(second.system(), Duration.ofSeconds(30));
      ActorRef<PolicyCursor.Command> cursor =
          second.spawn(PolicyCursor.batched(spec, 100L, settings, Clock.systemUTC()));
      TestProbe<PolicyCursor.Progress> probe = second.createTestProbe();
      cursor.tell(new PolicyCursor.GetProgress(probe.getRef()));
      assertEquals(before, probe.receiveMessage(Duration.ofSeconds(10)));
    } finally {
      second.shutdownTestKit();
    }
  }
}
