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

/**
 * An acknowledged completion survives the JVM dying right after the ack (a real process), and the
 * cursor goes on across the resumes that follow: resumed, more work, stopped, resumed again (the
 * journal under a heavier load: HardKillResumeTest).
 */
class CursorCrashTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  @TempDir Path dataDir;

  @Test
  void everyAcknowledgedCompletionSurvivesAHardKillAndTwoResumes() throws Exception {
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

    long afterFirstResume = resume(lastAcked, 20);
    assertEquals(lastAcked + 20 * 4, afterFirstResume);
    resume(afterFirstResume, 0);
  }

  /**
   * Opens the run again (a new actor system, so a new database session), checks that the cursor
   * recovered {@code expectedCompleted}, completes {@code moreLeases} leases of 4 positions and
   * stops; returns the positions completed then.
   */
  private long resume(long expectedCompleted, int moreLeases) throws Exception {
    ActorTestKit kit = ActorTestKit.create("resumed", SwarmConfig.forDataDir(dataDir));
    try {
      JournalSchema.ensure(kit.system(), Duration.ofSeconds(30));
      ActorRef<PolicyCursor.Command> cursor =
          kit.spawn(
              PolicyCursor.create(
                  PolicySpec.parse("schedule=0..100%:train", TrainScope.GPT2_SCOPES),
                  1_000_000L,
                  CursorSettings.fromConfig(kit.system().settings().config()),
                  Clock.systemUTC()));
      TestProbe<PolicyCursor.Progress> progress = kit.createTestProbe();
      cursor.tell(new PolicyCursor.GetProgress(progress.getRef()));
      PolicyCursor.Progress recovered = progress.receiveMessage(TIMEOUT);
      assertEquals(expectedCompleted, recovered.completedPositions());
      assertEquals(expectedCompleted, recovered.firstIncomplete());

      TestProbe<PolicyCursor.LeaseReply> leases = kit.createTestProbe();
      TestProbe<PolicyCursor.CompleteReply> completions = kit.createTestProbe();
      for (int i = 0; i < moreLeases; i++) {
        cursor.tell(new PolicyCursor.Lease("resumed", 4, leases.getRef()));
        PolicyCursor.Leased leased = leases.expectMessageClass(PolicyCursor.Leased.class, TIMEOUT);
        long from = leased.runs().get(0).from();
        long to = leased.runs().get(leased.runs().size() - 1).to();
        cursor.tell(new PolicyCursor.Complete("resumed", from, to, completions.getRef()));
        completions.expectMessageClass(PolicyCursor.Completed.class, TIMEOUT);
      }
      cursor.tell(new PolicyCursor.GetProgress(progress.getRef()));
      return progress.receiveMessage(TIMEOUT).completedPositions();
    } finally {
      kit.shutdownTestKit();
    }
  }
}
