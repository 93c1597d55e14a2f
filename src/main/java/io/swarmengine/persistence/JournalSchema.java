package io.swarmengine.persistence;

import akka.actor.typed.ActorSystem;
import akka.persistence.jdbc.testkit.javadsl.SchemaUtils;
import com.typesafe.config.Config;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Creates the journal's tables at start-up. akka-persistence-jdbc does not create them, and its
 * {@code SchemaUtils.createIfNotExists} runs its scripts but swallows their errors (its H2 script
 * even fails on the second run, harmlessly), so every table is checked afterwards and a missing one
 * stops the start with the database's own error.
 */
public final class JournalSchema {
  static final List<String> TABLES = List.of("event_journal", "event_tag", "snapshot");

  private JournalSchema() {}

  /** Creates the tables if needed and checks they are there; blocks up to {@code timeout}. */
  public static void ensure(ActorSystem<?> system, Duration timeout) {
    try {
      SchemaUtils.createIfNotExists(system)
          .toCompletableFuture()
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      // errors of the script are checked below, table by table
    }
    verify(system.settings().config());
  }

  /** Fails with the database's error when a journal table cannot be read. */
  public static void verify(Config config) {
    Config db = config.getConfig("akka-persistence-jdbc.shared-databases.slick.db");
    String url = db.getString("url");
    try (Connection connection =
            DriverManager.getConnection(url, db.getString("user"), db.getString("password"));
        Statement statement = connection.createStatement()) {
      for (String table : TABLES) {
        try {
          statement.executeQuery("SELECT 1 FROM \"" + table + "\" WHERE 1 = 0").close();
        } catch (SQLException e) {
          throw new IllegalStateException(
              "journal table '" + table + "' is missing in " + url + ": " + e.getMessage(), e);
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot open the journal database " + url + ": " + e.getMessage(), e);
    }
  }
}
