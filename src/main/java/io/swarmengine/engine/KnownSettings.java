package io.swarmengine.engine;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Every {@code swarm.*} key a run is given must be one reference.conf documents: HOCON takes any
 * key, so a typo ({@code positons = 200}, {@code worker.count}) would otherwise be ignored without a
 * word and the run go on with the default. reference.conf and the README's Configuration table
 * list them all.
 */
final class KnownSettings {
  private static final Config REFERENCE = ConfigFactory.defaultReference();
  /** Derived by SwarmConfig from swarm.journal, not set by users. */
  private static final String DERIVED = "swarm.journal-db";

  private KnownSettings() {}

  /** @throws ConfigException.ValidationFailed naming each unknown key, where it was set, and the nearest known key */
  static void require(Config config) {
    List<ConfigException.ValidationProblem> unknown = new ArrayList<>();
    config.getConfig("swarm").entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> {
          String path = "swarm." + e.getKey();
          if (!path.equals(DERIVED) && !path.startsWith(DERIVED + ".") && !REFERENCE.hasPathOrNull(path)) {
            String nearest = nearest(path);
            unknown.add(new ConfigException.ValidationProblem(path, e.getValue().origin(),
                "not a setting of the engine" + (nearest == null ? "" : " (did you mean " + nearest + "?)")));
          }
        });
    if (!unknown.isEmpty()) {
      throw new ConfigException.ValidationFailed(unknown);
    }
  }

  /** The known key the fewest edits away, if it is close enough to be what was meant. */
  private static String nearest(String path) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (Map.Entry<String, ConfigValue> e : REFERENCE.getConfig("swarm").entrySet()) {
      String k = "swarm." + e.getKey();
      int d = distance(path, k);
      if (d < bestDistance) {
        best = k;
        bestDistance = d;
      }
    }
    return bestDistance <= Math.max(2, path.length() / 5) ? best : null;
  }

  /** Levenshtein distance. */
  private static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
