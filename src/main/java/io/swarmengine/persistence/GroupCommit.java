package io.swarmengine.persistence;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import io.swarmengine.concurrent.Asks;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Predicate;

/**
 * Group commit in front of an event-sourced actor: while one write is in flight, every batchable
 * command that arrives waits, and all of them (up to {@code maxBatch}) go to the actor as its next
 * batch command, one journal write. One write costs about a millisecond whatever it holds, so this
 * is what turns ~1,000 writes/s into hundreds of thousands of commands/s. Other commands pass
 * straight through. It speaks the actor's own protocol, so callers cannot tell the two apart.
 *
 * @param <C> the actor's command type
 */
public final class GroupCommit<C> extends AbstractBehavior<Object> {

  /** The actor answered a batch, or did not in time (it restarted; its callers will ask again). */
  private record Written(int commands) {}

  private final ActorRef<C> target;
  private final Class<C> commandType;
  private final Predicate<C> batchable;
  private final BiFunction<List<C>, ActorRef<BatchWritten>, C> toBatch;
  private final int maxBatch;
  private final Duration writeTimeout;
  private final ArrayDeque<C> pending = new ArrayDeque<>();
  private boolean writing;

  /**
   * @param batchable which commands to gather (the rest are forwarded at once)
   * @param toBatch wraps gathered commands into the actor's batch command
   * @param writeTimeout how long to wait for a batch's answer before sending the next one
   */
  public static <C> Behavior<C> create(
      ActorRef<C> target,
      Class<C> commandType,
      Predicate<C> batchable,
      BiFunction<List<C>, ActorRef<BatchWritten>, C> toBatch,
      int maxBatch,
      Duration writeTimeout) {
    Behavior<Object> behavior =
        Behaviors.setup(
            context ->
                new GroupCommit<>(
                    context, target, commandType, batchable, toBatch, maxBatch, writeTimeout));
    return behavior.narrow();
  }

  private GroupCommit(
      ActorContext<Object> context,
      ActorRef<C> target,
      Class<C> commandType,
      Predicate<C> batchable,
      BiFunction<List<C>, ActorRef<BatchWritten>, C> toBatch,
      int maxBatch,
      Duration writeTimeout) {
    super(context);
    this.target = target;
    this.commandType = commandType;
    this.batchable = batchable;
    this.toBatch = toBatch;
    this.maxBatch = maxBatch;
    this.writeTimeout = writeTimeout;
  }

  @Override
  public Receive<Object> createReceive() {
    return newReceiveBuilder()
        .onMessage(Written.class, this::onWritten)
        .onMessage(commandType, this::onCommand)
        .build();
  }

  private Behavior<Object> onCommand(C command) {
    if (!batchable.test(command)) {
      target.tell(command);
      return this;
    }
    pending.add(command);
    if (!writing) {
      writeNext();
    }
    return this;
  }

  private Behavior<Object> onWritten(Written written) {
    writing = false;
    if (!pending.isEmpty()) {
      writeNext();
    }
    return this;
  }

  private void writeNext() {
    List<C> batch = new ArrayList<>(Math.min(pending.size(), maxBatch));
    while (!pending.isEmpty() && batch.size() < maxBatch) {
      batch.add(pending.poll());
    }
    writing = true;
    Asks.ask(getContext(), BatchWritten.class, target, writeTimeout,
        replyTo -> toBatch.apply(batch, replyTo),
        (done, failure) -> new Written(batch.size()));
  }
}
