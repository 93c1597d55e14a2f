package io.swarmengine.benchmarks;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AskPattern;
import akka.actor.typed.javadsl.Behaviors;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.javadsl.CommandHandlerWithReply;
import akka.persistence.typed.javadsl.EventHandler;
import io.swarmengine.CborSerializable;
import io.swarmengine.persistence.JournaledBehavior;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The process CPU time and wall time of one journal write through the whole stack (an
 * event-sourced actor, Akka persistence, akka-persistence-jdbc, Slick, HikariCP, H2), one write
 * at a time as the engine's actors mostly write: {@code writes} events of {@code bytes} each,
 * after as many to warm up.
 *
 * <p>usage: JournalWriteRun [writes [bytes [key=value ...]]] (configuration overrides)
 */
public final class JournalWriteRun {
  record Append(byte[] payload, ActorRef<Long> replyTo) implements CborSerializable {}

  record Appended(byte[] payload) implements CborSerializable {}

  record Count(long events) implements CborSerializable {}

  static final class Log extends JournaledBehavior<Append, Appended, Count> {
    Log() {
      super(PersistenceId.ofUniqueId("journal-write-run"));
    }

    @Override
    public Count emptyState() {
      return new Count(0);
    }

    @Override
    public CommandHandlerWithReply<Append, Appended, Count> commandHandler() {
      return newCommandHandlerWithReplyBuilder().forAnyState()
          .onCommand(Append.class, (state, a) -> Effect().persist(new Appended(a.payload())).thenReply(a.replyTo(), Count::events))
          .build();
    }

    @Override
    public EventHandler<Count, Appended> eventHandler() {
      return newEventHandlerBuilder().forAnyState().onEvent(Appended.class, (state, e) -> new Count(state.events() + 1)).build();
    }
  }

  public static void main(String[] args) throws Exception {
    int writes = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
    int bytes = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
    Map<String, String> overrides = new HashMap<>();
    for (int i = 2; i < args.length; i++) {
      String[] kv = args[i].split("=", 2);
      overrides.put(kv[0], kv[1]);
    }
    BenchSystem bench = new BenchSystem("journal-write-run", overrides);
    try {
      ActorRef<Append> log = bench.system.systemActorOf(Behaviors.setup(ctx -> new Log()), "log", akka.actor.typed.Props.empty());
      byte[] payload = new byte[bytes];
      new java.util.Random(1).nextBytes(payload);
      var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
      for (int round = 0; round < 2; round++) {
        long cpu0 = os.getProcessCpuTime();
        long wall0 = System.nanoTime();
        for (int i = 0; i < writes; i++) {
          AskPattern.<Append, Long>ask(log, r -> new Append(payload, r), Duration.ofSeconds(10), bench.system.scheduler())
              .toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        double cpu = (os.getProcessCpuTime() - cpu0) / 1e6 / writes;
        double wall = (System.nanoTime() - wall0) / 1e6 / writes;
        System.out.printf("%s %d writes of %d bytes: %.3f ms CPU and %.3f ms wall per write %s%n",
            round == 0 ? "warm-up" : "measured", writes, bytes, cpu, wall, overrides.isEmpty() ? "(defaults)" : overrides);
      }
    } finally {
      bench.closeAndDelete();
    }
  }
}
