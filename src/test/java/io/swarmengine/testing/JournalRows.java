package io.swarmengine.testing;

import com.typesafe.config.Config;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;

/** Counts rows in the journal database a config points at, for tests that look under the hood. */
public final class JournalRows {
  private JournalRows() {}

  public static long count(Config config, String query) {
    Config db = config.getConfig("akka-persistence-jdbc.shared-databases.slick.db");
    try (Connection c =
            DriverManager.getConnection(db.getString("url"), db.getString("user"), db.getString("password"));
        ResultSet rs = c.createStatement().executeQuery(query)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
