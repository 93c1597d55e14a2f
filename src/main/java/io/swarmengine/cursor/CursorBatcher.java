package io.swarmengine.cursor;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Group commit in front of a {@link PolicyCursor}: while one write is in flight, every command that
 * arrives waits, and all of them (up to {@code maxBatch}) go to the cursor as the next
 * {@link PolicyCursor.Batch}, one journal write. A single journal write costs milliseconds, so
 * this is what lets many workers lease at once. Speaks the cursor's own protocol, so callers cannot
 * tell the two apart.
 */
public final class CursorBatcher extends AbstractBehavior<PolicyCursor.Command> {

  /** The cursor answered a batch, or did not in time (it restarted; its callers will ask again). */
  private record Written(int commands) implements PolicyCursor.Command {}

  private final ActorRef<PolicyCursor.Command> cursor;
  private final int maxBatch;
  private final Duration writeTimeout;
  private final ArrayDeque<PolicyCursor.Command> pending = new ArrayDeque<>();
  private boolean writing;

  public static Behavior<PolicyCursor.Command> create(
      ActorRef<PolicyCursor.Command> cursor, int maxBatch, Duration writeTimeout) {
    return Behaviors.setup(context -> new CursorBatcher(context, cursor, maxBatch, writeTimeout));
  }

  private CursorBatcher(
      ActorContext<PolicyCursor.Command> context,
      ActorRef<PolicyCursor.Command> cursor,
      int maxBatch,
      Duration writeTimeout) {
    super(context);
    this.cursor = cursor;
    this.maxBatch = maxBatch;
    this.writeTimeout = writeTimeout;
  }

  @Override
  public Receive<PolicyCursor.Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Written.class, this::onWritten)
        .onMessage(PolicyCursor.Batch.class, this::onBatch)
        .onMessage(PolicyCursor.Command.class, this::onCommand)
        .build();
  }

  private Behavior<PolicyCursor.Command> onCommand(PolicyCursor.Command command) {
    pending.add(command);
    if (!writing) {
      writeNext();
    }
    return this;
  }

  /** A caller's own batch is already one write: it goes straight through. */
  private Behavior<PolicyCursor.Command> onBatch(PolicyCursor.Batch batch) {
    cursor.tell(batch);
    return this;
  }

  private Behavior<PolicyCursor.Command> onWritten(Written written) {
    writing = false;
    if (!pending.isEmpty()) {
      writeNext();
    }
    return this;
  }

  private void writeNext() {
    List<PolicyCursor.Command> batch = new ArrayList<>(Math.min(pending.size(), maxBatch));
    while (!pending.isEmpty() && batch.size() < maxBatch) {
      batch.add(pending.poll());
    }
    writing = true;
    getContext()
        .ask(
            PolicyCursor.BatchDone.class,
            cursor,
            writeTimeout,
            replyTo -> new PolicyCursor.Batch(batch, replyTo),
            (done, failure) -> new Written(batch.size()));
  }
}
