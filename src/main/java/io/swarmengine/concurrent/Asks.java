package io.swarmengine.concurrent;

import akka.actor.typed.ActorRef;
import akka.actor.typed.RecipientRef;
import akka.actor.typed.Scheduler;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.AskPattern;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Akka's ask without a thread per answer.
 *
 * <p>The {@code CompletionStage} of Akka 2.6's Java ask (a scala-java8-compat {@code CF}) turns
 * every {@code whenComplete}/{@code thenApply} into its {@code Async} twin on the JDK's default
 * executor, and with fewer than three cores that executor starts a new thread per task: a 2-core
 * run started ~45 threads a second, one per reply, 7% of its CPU time. {@code ActorContext.ask}
 * goes through the same path. Here the answer is handed to a plain {@link CompletableFuture} on
 * the thread that completes the ask, so what follows runs there or in the asking actor.
 */
public final class Asks {
  private Asks() {}

  /** Runs a continuation on the thread that completes its stage. */
  private static final Executor SAME_THREAD = Runnable::run;

  /** {@link AskPattern#ask} as a plain future: dependents run where the answer arrives, not on a new thread. */
  public static <Req, Res> CompletableFuture<Res> ask(RecipientRef<Req> target, Function<ActorRef<Res>, Req> request,
      Duration timeout, Scheduler scheduler) {
    CompletableFuture<Res> answer = new CompletableFuture<>();
    AskPattern.<Req, Res>ask(target, request::apply, timeout, scheduler)
        .whenCompleteAsync((value, failure) -> {
          if (failure != null) {
            answer.completeExceptionally(failure);
          } else {
            answer.complete(value);
          }
        }, SAME_THREAD);
    return answer;
  }

  /**
   * {@code context.ask(...)}: the answer (or the failure, a timeout among them) reaches the actor
   * as the message {@code adapt} makes of it, applied in the actor like any {@code pipeToSelf}.
   */
  public static <T, Req, Res> void ask(ActorContext<T> context, Class<Res> answer, RecipientRef<Req> target,
      Duration timeout, Function<ActorRef<Res>, Req> request, BiFunction<Res, Throwable, T> adapt) {
    context.pipeToSelf(Asks.<Req, Res>ask(target, request, timeout, context.getSystem().scheduler()), adapt::apply);
  }
}
