package io.swarmengine.persistence;

import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Adapter;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.persistence.DeleteMessagesFailure;
import akka.persistence.DeleteMessagesSuccess;
import akka.persistence.DeleteSnapshotsFailure;
import akka.persistence.DeleteSnapshotsSuccess;
import akka.persistence.JournalProtocol;
import akka.persistence.Persistence;
import akka.persistence.SaveSnapshotFailure;
import akka.persistence.SaveSnapshotSuccess;
import akka.persistence.SnapshotMetadata;
import akka.persistence.SnapshotProtocol;
import akka.persistence.SnapshotSelectionCriteria;
import com.typesafe.config.ConfigFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes an event-sourced actor's snapshots without stopping it. Akka Typed stashes every command
 * while a snapshot of its own is stored (its state may be mutable); for a large state that is
 * seconds without inserts or samples, the weakness of Reverb's checkpoints. Instead the actor hands
 * an immutable copy of its state at sequence number S to this writer and goes on; the writer saves
 * it to the configured snapshot store (serialization and the write run in the store's plugin,
 * off the actor), then deletes the events and snapshots before the previous snapshot, keeping
 * two. Recovery is Akka's own: the latest snapshot, then the events after it.
 *
 * <p>Uses the classic persistence plugin protocol ({@code SaveSnapshot}, {@code DeleteMessagesTo},
 * {@code DeleteSnapshots}) that Akka's own persistent actors speak; it is internal to Akka 2.6,
 * whose last Apache-licensed release (2.6.21) this engine is pinned to.
 */
public final class SnapshotWriter extends AbstractBehavior<Object> {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotWriter.class);

  /**
   * Save {@code snapshot}, the state after event {@code sequenceNr}; skipped while one is being
   * written. Only ever sent from the actor to its own child, so never serialized.
   */
  public record Write(Object snapshot, long sequenceNr, String description)
      implements akka.actor.NoSerializationVerificationNeeded {}

  private final String persistenceId;
  private final akka.actor.ActorRef snapshotStore;
  private final akka.actor.ActorRef journal;
  private long writing = -1;
  private long startedNanos;
  private long previous = -1;

  public static Behavior<Object> create(String persistenceId) {
    return Behaviors.setup(context -> new SnapshotWriter(context, persistenceId));
  }

  private SnapshotWriter(ActorContext<Object> context, String persistenceId) {
    super(context);
    this.persistenceId = persistenceId;
    Persistence persistence = Persistence.get(Adapter.toClassic(context.getSystem()));
    this.snapshotStore = persistence.snapshotStoreFor("", ConfigFactory.empty());
    this.journal = persistence.journalFor("", ConfigFactory.empty());
  }

  @Override
  public Receive<Object> createReceive() {
    return newReceiveBuilder()
        .onMessage(Write.class, this::onWrite)
        .onMessage(SaveSnapshotSuccess.class, this::onSaved)
        .onMessage(SaveSnapshotFailure.class, this::onSaveFailed)
        .onMessage(DeleteMessagesSuccess.class, m -> this)
        .onMessage(DeleteSnapshotsSuccess.class, m -> this)
        .onMessage(DeleteMessagesFailure.class, this::onDeleteFailed)
        .onMessage(DeleteSnapshotsFailure.class, this::onDeleteFailed)
        .build();
  }

  private Behavior<Object> onWrite(Write write) {
    if (writing >= 0) {
      LOG.debug("{}: snapshot at {} skipped, the one at {} is still being written", persistenceId, write.sequenceNr(), writing);
      return this;
    }
    writing = write.sequenceNr();
    startedNanos = System.nanoTime();
    LOG.info("{}: writing a snapshot at event {} ({})", persistenceId, writing, write.description());
    SnapshotMetadata metadata = SnapshotMetadata.apply(persistenceId, writing, System.currentTimeMillis());
    snapshotStore.tell(
        new SnapshotProtocol.SaveSnapshot(metadata, write.snapshot()), Adapter.toClassic(getContext().getSelf()));
    return this;
  }

  private Behavior<Object> onSaved(SaveSnapshotSuccess saved) {
    long seq = saved.metadata().sequenceNr();
    LOG.info(
        "{}: snapshot at event {} written in {} ms", persistenceId, seq, (System.nanoTime() - startedNanos) / 1_000_000);
    if (previous > 0) {
      akka.actor.ActorRef self = Adapter.toClassic(getContext().getSelf());
      journal.tell(new JournalProtocol.DeleteMessagesTo(persistenceId, previous, self), self);
      snapshotStore.tell(
          new SnapshotProtocol.DeleteSnapshots(persistenceId, SnapshotSelectionCriteria.create(previous - 1, Long.MAX_VALUE)),
          self);
    }
    previous = seq;
    writing = -1;
    return this;
  }

  private Behavior<Object> onSaveFailed(SaveSnapshotFailure failed) {
    LOG.warn(
        "{}: snapshot at event {} failed; the journal still holds every event: {}",
        persistenceId,
        failed.metadata().sequenceNr(),
        failed.cause().toString());
    writing = -1;
    return this;
  }

  private Behavior<Object> onDeleteFailed(Object failure) {
    LOG.warn("{}: deleting what the new snapshot replaces failed (it is retried after the next one): {}", persistenceId, failure);
    return this;
  }
}
