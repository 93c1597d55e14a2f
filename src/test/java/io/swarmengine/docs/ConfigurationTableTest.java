package io.swarmengine.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's Configuration table and reference.conf name the same keys: every key a user can set
 * is in the table, and the table names no key that does not exist.
 */
class ConfigurationTableTest {
  private static final Pattern NAME = Pattern.compile("`([^`]+)`");

  /** The keys of the table's first column: {@code `swarm.a.{b,c}`} and {@code `swarm.a.b` / `c` / `.d`} forms expanded. */
  static List<String> documented(String readme) {
    int start = readme.indexOf("\n## Configuration\n");
    int end = readme.indexOf("\n## ", start + 1);
    List<String> keys = new ArrayList<>();
    for (String line : readme.substring(start, end).split("\n")) {
      if (!line.startsWith("| `swarm.")) {
        continue;
      }
      String cell = line.substring(2, line.indexOf(" |", 2));
      Matcher m = NAME.matcher(cell);
      String parent = null;
      while (m.find()) {
        String name = m.group(1);
        String full = parent == null ? name : parent + "." + (name.startsWith(".") ? name.substring(1) : name);
        int brace = full.indexOf('{');
        if (brace >= 0) {
          for (String leaf : full.substring(brace + 1, full.indexOf('}')).split(",")) {
            keys.add(full.substring(0, brace) + leaf);
          }
        } else {
          keys.add(full);
        }
        if (parent == null) {
          parent = full.substring(0, full.lastIndexOf('.'));
        }
      }
    }
    return keys;
  }

  @Test
  void theReadmesTableAndReferenceConfNameTheSameKeys() throws Exception {
    List<String> table = documented(Files.readString(Path.of("README.md")));
    Config reference = ConfigFactory.parseResources("reference.conf");
    TreeSet<String> undocumented = new TreeSet<>();
    for (Map.Entry<String, ?> e : reference.getConfig("swarm").entrySet()) {
      String key = "swarm." + e.getKey();
      if (table.stream().noneMatch(d -> key.equals(d) || key.startsWith(d + "."))) {
        undocumented.add(key);
      }
    }
    assertEquals(new TreeSet<>(), undocumented, "keys of reference.conf missing from the README's Configuration table");
    TreeSet<String> unknown = new TreeSet<>();
    for (String d : table) {
      if (!reference.hasPath(d)) {
        unknown.add(d);
      }
    }
    assertEquals(new TreeSet<>(), unknown, "keys in the README's Configuration table that reference.conf does not have");
  }

  @Test
  void aRowOfOneKeyShowsReferenceConfsDefault() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    Config reference = ConfigFactory.parseResources("reference.conf");
    Pattern row = Pattern.compile("^\\| `(swarm\\.[a-z0-9.-]+)` \\| `([^`]*)` \\|", Pattern.MULTILINE);
    List<String> wrong = new ArrayList<>();
    int checked = 0;
    for (Matcher m = row.matcher(readme); m.find(); checked++) {
      String actual = String.valueOf(reference.getValue(m.group(1)).unwrapped());
      if (!actual.equals(m.group(2))) {
        wrong.add(m.group(1) + ": the README says " + m.group(2) + ", reference.conf " + actual);
      }
    }
    assertEquals(List.of(), wrong);
    assertEquals(true, checked > 20, "only " + checked + " rows matched: has the table's layout changed?");
  }
}
