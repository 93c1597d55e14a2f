package io.swarmengine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher hands every JVM it starts {@code src/main/jvm/compiler-directives.json} and
 * {@code src/main/jvm/compile-commands.txt}. HotSpot refuses to start on a directives file it cannot
 * parse and only warns about a bad compile command, so a typo in either would break {@code ./swarm}
 * or silently drop a setting without failing a build. Each check starts a real JVM.
 */
class LauncherJitFilesTest {
  private static final Path DIRECTIVES = Path.of("src/main/jvm/compiler-directives.json");
  private static final Path COMMANDS = Path.of("src/main/jvm/compile-commands.txt");

  @TempDir Path dir;

  private record Exit(int code, String output) {}

  private static Exit javaVersionWith(String... options) throws IOException, InterruptedException {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = new ArrayList<>(List.of(java, "-XX:+UnlockDiagnosticVMOptions"));
    command.addAll(List.of(options));
    command.add("-version");
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), "java -version did not end");
    return new Exit(process.exitValue(), output);
  }

  @Test
  void hotSpotTakesEveryDirectiveOfTheShippedFile() throws Exception {
    // the file is JSON with unquoted keys, as HotSpot reads it
    JsonNode directives = JsonMapper.builder().enable(JsonReadFeature.ALLOW_UNQUOTED_FIELD_NAMES).build()
        .readTree(DIRECTIVES.toFile());
    assertTrue(directives.isArray() && directives.size() > 0, "expected an array of directives");
    Exit exit = javaVersionWith("-XX:CompilerDirectivesFile=" + DIRECTIVES.toAbsolutePath());
    assertEquals(0, exit.code(), exit.output());
    assertTrue(exit.output().contains(directives.size() + " compiler directives added"), exit.output());
  }

  @Test
  void aBrokenDirectivesFileStopsTheJvmWithTheParsersMessage() throws Exception {
    Path broken = dir.resolve("broken.json");
    Files.writeString(broken, Files.readString(DIRECTIVES).replace("Exclude", "Excluded"));
    Exit exit = javaVersionWith("-XX:CompilerDirectivesFile=" + broken);
    assertTrue(exit.code() != 0, exit.output());
    assertTrue(exit.output().contains("Parsing of compiler directives failed"), exit.output());
  }

  @Test
  void hotSpotTakesEveryCompileCommandOfTheShippedFileQuietly() throws Exception {
    List<String> commands = Files.readAllLines(COMMANDS).stream()
        .filter(line -> !line.isBlank() && !line.startsWith("#") && !line.equals("quiet"))
        .toList();
    assertFalse(commands.isEmpty(), "expected compile commands in " + COMMANDS);

    Exit shipped = javaVersionWith("-XX:CompileCommandFile=" + COMMANDS.toAbsolutePath());
    assertEquals(0, shipped.code(), shipped.output());
    // quiet: nothing but the version on the output, so that `swarm status` prints only JSON
    assertFalse(shipped.output().contains("CompileCommand"), shipped.output());

    // without quiet HotSpot echoes each command it took, and names the line it could not parse
    Path loud = dir.resolve("loud.txt");
    Files.write(loud, commands);
    Exit echoed = javaVersionWith("-XX:CompileCommandFile=" + loud);
    assertFalse(echoed.output().contains("error occurred"), echoed.output());
    long taken = echoed.output().lines().filter(line -> line.startsWith("CompileCommand: ")).count();
    assertEquals(commands.size(), taken, echoed.output());

    Path typo = dir.resolve("typo.txt");
    Files.writeString(typo, commands.get(0).replace("CompileThresholdScaling", "CompileThresholdScalin") + "\n");
    assertTrue(javaVersionWith("-XX:CompileCommandFile=" + typo).output().contains("An error occurred during parsing"));
  }
}
