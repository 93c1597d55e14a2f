package io.swarmengine.testing;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import akka.actor.typed.javadsl.Behaviors;
import io.swarmengine.cursor.CursorSettings;
import io.swarmengine.cursor.PolicyCursor;
import io.swarmengine.persistence.JournalSchema;
import io.swarmengine.persistence.SwarmConfig;
import io.swarmengine.policy.PolicySpec;
import io.swarmengine.policy.TrainScope;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * Run in a child JVM by a test: leases and completes positions on the H2 journal in
 * {@code args[0]}, prints {@code acked N} after each acknowledged completion, and after
 * {@code args[1]} of them halts the JVM at once, as {@code kill -9} would (no shutdown hooks).
 */
public final class CursorCrashDriver {
  public static void main(String[] args) throws Exception {
    Path dataDir = Path.of(args[0]);
    int completions = Integer.parseInt(args[1]);
    ActorSystem<Void> system =
        ActorSystem.create(Behaviors.empty(), "crash", SwarmConfig.forDataDir(dataDir));
    JournalSchema.ensure(system, Duration.ofSeconds(30));
    ActorRef<PolicyCursor.Command> cursor =
        system.systemActorOf(
            PolicyCursor.batched(
                PolicySpec.parse("schedule=0..100%:train", TrainScope.GPT2_SCOPES),
                1_000_000L,
                CursorSettings.fromConfig(system.settings().config()),
                Clock.systemUTC()),
            "cursor",
            akka.actor.typed.Props.empty());
    Duration timeout = Duration.ofSeconds(30);
    long acked = 0;
    for (int i = 0; i < completions; i++) {
      PolicyCursor.Leased leased =
          (PolicyCursor.Leased)
              AskPattern.<PolicyCursor.Command, PolicyCursor.LeaseReply>ask(
                      cursor, r -> new PolicyCursor.Lease("crash", 4, r), timeout, system.scheduler())
                  .toCompletableFuture()
                  .get();
      long from = leased.runs().get(0).from();
      long to = leased.runs().get(leased.runs().size() - 1).to();
      Object reply =
          AskPattern.<PolicyCursor.Command, PolicyCursor.CompleteReply>ask(
                  cursor, r -> new PolicyCursor.Complete("crash", from, to, r), timeout, system.scheduler())
              .toCompletableFuture()
              .get();
      if (!(reply instanceof PolicyCursor.Completed)) {
        throw new IllegalStateException("not completed: " + reply);
      }
      acked += to - from;
      System.out.println("acked " + acked);
      System.out.flush();
    }
    Runtime.getRuntime().halt(0);
  }
}
