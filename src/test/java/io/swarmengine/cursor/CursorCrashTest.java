package io.swarmengine.cursor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import io.swarmengine.persistence.JournalSchema;
import io.swarmengine.persistence.SwarmConfig;
import io.swarmengine.policy.PolicySpec;
import io.swarmengine.policy.TrainScope;
import io.swarmengine.testing.CursorCrashDriver;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An acknowledged completion survives the JVM dying right after the ack (a real process). */
class CursorCrashTest {
  @TempDir Path dataDir;

  @Test
  void everyAcknowledgedCompletionSurvivesAHardKill() throws Exception {
    Process child =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                CursorCrashDriver.class.getName(),
                dataDir.toString(),
                "25")
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    long lastAcked = 0;
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        if (line.startsWith("acked ")) {
          lastAcked = Long.parseLong(line.substring("acked ".length()));
        }
      }
    }
    child.waitFor(60, TimeUnit.SECONDS);
    assertEquals(0, child.exitValue());
    assertEquals(100, lastAcked);

    ActorTestKit kit = ActorTestKit.create("after-crash", SwarmConfig.forDataDir(dataDir));
    try {
      JournalSchema.ensure(kit.system(), Duration.ofSeconds(30));
      ActorRef<PolicyCursor.Command> cursor =
          kit.spawn(
              PolicyCursor.create(
                  PolicySpec.parse("schedule=0..100%:train", TrainScope.GPT2_SCOPES),
                  1_000_000L,
                  CursorSettings.fromConfig(kit.system().settings().config()),
                  Clock.systemUTC()));
      TestProbe<PolicyCursor.Progress> probe = kit.createTestProbe();
      cursor.tell(new PolicyCursor.GetProgress(probe.getRef()));
      PolicyCursor.Progress progress = probe.receiveMessage(Duration.ofSeconds(10));
      assertEquals(lastAcked, progress.completedPositions());
      assertEquals(lastAcked, progress.firstIncomplete());
    } finally {
      kit.shutdownTestKit();
    }
  }
}
