package io.swarmengine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher writes its class-data archive from the classes that one tiny run loads
 * ({@code src/main/jvm/class-archive.conf}, through {@code class-archive.sh}). Should that file
 * stop being a valid run (a renamed setting, say), the launcher would only warn and every command
 * would start slower, so the build runs it here, and checks that it reaches every part whose
 * classes the archive is for: warm start, workers, training steps, published versions, hot reloads,
 * the report.
 */
class ClassArchiveRunTest {
  private static final Path WORKLOAD = Path.of("src/main/jvm/class-archive.conf");

  @TempDir Path dir;

  @Test
  void theArchivesRunGoesThroughEveryPartOfTheLoop() {
    Path data = dir.resolve("run");
    PolicyCommandTest.Result r = PolicyCommandTest.swarm("run", "--config", WORKLOAD.toString(), "--data", data.toString());
    assertEquals(0, r.status(), r.err() + r.out());
    assertTrue(r.out().contains("warm start done:"), r.out());
    assertTrue(r.out().contains("positions completed: 48 of 48"), r.out());
    assertTrue(count("trainer steps (\\d+)", r.out()) > 0, r.out());
    assertTrue(count("hot reloads: (\\d+)", r.out()) > 0, r.out());
    assertTrue(Files.isRegularFile(data.resolve("report.html")), "no report");
  }

  private static int count(String regex, String out) {
    Matcher m = Pattern.compile(regex).matcher(out);
    assertTrue(m.find(), "no '" + regex + "' in the output");
    return Integer.parseInt(m.group(1));
  }
}
