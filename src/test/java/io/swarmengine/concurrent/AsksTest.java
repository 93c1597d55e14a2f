package io.swarmengine.concurrent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import io.swarmengine.CborSerializable;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class AsksTest {
  private static final ActorTestKit kit = ActorTestKit.create("asks");

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  record Ping(int n, ActorRef<Pong> replyTo) implements CborSerializable {}

  record Pong(int n) implements CborSerializable {}

  /** What the asking actor received: the answer or the failure, and on which thread it was adapted. */
  record Answered(Pong pong, String failure) implements CborSerializable {}

  private static Behavior<Ping> echo() {
    return Behaviors.receiveMessage(ping -> {
      ping.replyTo().tell(new Pong(ping.n()));
      return Behaviors.same();
    });
  }

  @Test
  void aDependentOfTheAnswerRunsOnTheActorSystemsThreadsNotOnANewOne() throws Exception {
    ActorRef<Ping> echo = kit.spawn(echo());
    CompletableFuture<String> thread = new CompletableFuture<>();
    // the ask is answered through the echo's reply, so its continuation runs on a dispatcher
    // thread; Akka's own stage would run it on the JDK's async executor (a new thread per task on 2 cores)
    CompletableFuture<Pong> answer = Asks.ask(echo, replyTo -> new Ping(7, replyTo), Duration.ofSeconds(5), kit.scheduler());
    CompletableFuture<Integer> n = answer.thenApply(pong -> {
      thread.complete(Thread.currentThread().getName());
      return pong.n();
    });
    assertEquals(7, n.get(5, TimeUnit.SECONDS));
    String name = thread.get(5, TimeUnit.SECONDS);
    assertTrue(name.startsWith("asks-") || name.equals(Thread.currentThread().getName()), name);
  }

  @Test
  void anUnansweredAskFailsWithATimeout() {
    TestProbe<Ping> silent = kit.createTestProbe();
    CompletableFuture<Pong> answer = Asks.ask(silent.ref(), replyTo -> new Ping(1, replyTo), Duration.ofMillis(200), kit.scheduler());
    ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, () -> answer.get(5, TimeUnit.SECONDS));
    assertInstanceOf(TimeoutException.class, e.getCause());
  }

  @Test
  void anActorsAskReachesItAsTheAdaptedMessageAnswerOrFailure() {
    ActorRef<Ping> echo = kit.spawn(echo());
    TestProbe<Ping> silent = kit.createTestProbe();
    TestProbe<Answered> seen = kit.createTestProbe();
    kit.spawn(Behaviors.<Answered>setup(context -> {
      Asks.ask(context, Pong.class, echo, Duration.ofSeconds(5), replyTo -> new Ping(3, replyTo),
          (pong, failure) -> new Answered(pong, failure == null ? null : failure.getClass().getSimpleName()));
      Asks.ask(context, Pong.class, silent.ref(), Duration.ofMillis(200), replyTo -> new Ping(4, replyTo),
          (pong, failure) -> new Answered(pong, failure == null ? null : failure.getClass().getSimpleName()));
      return Behaviors.receiveMessage(answered -> {
        seen.ref().tell(answered);
        return Behaviors.same();
      });
    }));
    Answered first = seen.receiveMessage(Duration.ofSeconds(5));
    assertEquals(new Pong(3), first.pong());
    assertNull(first.failure());
    silent.expectMessageClass(Ping.class);
    Answered second = seen.receiveMessage(Duration.ofSeconds(5));
    assertNull(second.pong());
    assertEquals("TimeoutException", second.failure());
  }
}
