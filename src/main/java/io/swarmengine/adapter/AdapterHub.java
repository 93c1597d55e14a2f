package io.swarmengine.adapter;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.SupervisorStrategy;
import akka.actor.typed.pubsub.Topic;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.javadsl.CommandHandlerWithReply;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import akka.persistence.typed.javadsl.ReplyEffect;
import akka.persistence.typed.javadsl.RetentionCriteria;
import io.swarmengine.CborSerializable;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The registry of adapter versions: number, parent, content hash, size, the training step's
 * metrics, and status (good, or bad after a rollback). Files live in the {@link AdapterStore}; every
 * new newest-good version is broadcast as {@link AdapterPublished} on the {@value #TOPIC} topic,
 * for workers to fetch, verify and swap in between episode groups.
 */
public final class AdapterHub
    extends EventSourcedBehaviorWithEnforcedReplies<AdapterHub.Command, AdapterHub.Event, AdapterHub.State> {

  public static final String TOPIC = "swarm-adapters";

  // ---- protocol ----

  public interface Command extends CborSerializable {}

  /** Registers the adapter stored under {@code sha256} as the next version. */
  public record Publish(String sha256, long sizeBytes, long parent, Map<String, Double> metrics, ActorRef<PublishReply> replyTo)
      implements Command {}

  /** Marks every version after {@code to} bad; 0 returns to the base model without an adapter. */
  public record Rollback(long to, ActorRef<RollbackReply> replyTo) implements Command {}

  public record GetVersions(ActorRef<Versions> replyTo) implements Command {}

  /**
   * Asks for up to {@code maxBytes} of version {@code number}'s bundle from {@code offset}: how a
   * node without the shared data folder fetches an adapter, chunk by chunk, before installing it.
   */
  public record Fetch(long number, long offset, int maxBytes, ActorRef<FetchReply> replyTo) implements Command {}

  public sealed interface FetchReply extends CborSerializable {}

  /** Bytes {@code [offset, offset + data.length)} of a bundle of {@code totalBytes}. */
  public record Chunk(long number, String sha256, long offset, long totalBytes, byte[] data) implements FetchReply {
    public boolean last() {
      return offset + data.length >= totalBytes;
    }
  }

  public record FetchRefused(String reason) implements FetchReply {}

  public sealed interface PublishReply extends CborSerializable {}

  public record Published(Version version) implements PublishReply {}

  public record PublishRefused(String reason) implements PublishReply {}

  public sealed interface RollbackReply extends CborSerializable {}

  public record RolledBack(long to, List<Long> markedBad) implements RollbackReply {}

  public record RollbackRefused(String reason) implements RollbackReply {}

  /** Every version, oldest first, and the newest good one (null: the base model). */
  public record Versions(List<Version> all, Version newestGood) implements CborSerializable {}

  public record Version(
      long number, long parent, String sha256, long sizeBytes, Map<String, Double> metrics, boolean good, long createdAtMillis)
      implements CborSerializable {
    Version bad() {
      return new Version(number, parent, sha256, sizeBytes, metrics, false, createdAtMillis);
    }
  }

  /**
   * Broadcast when the newest good version changes (by a publish or a rollback; null: the base
   * model), at {@code announcedAtMillis} on the hub's clock: hot-reload latency counts from here.
   */
  public record AdapterPublished(Version version, long announcedAtMillis) implements CborSerializable {}

  // ---- events and state ----

  public interface Event extends CborSerializable {}

  public record VersionAdded(Version version) implements Event {}

  public record VersionsMarkedBad(long to, List<Long> numbers) implements Event {}

  public record State(List<Version> versions) implements CborSerializable {
    public State {
      versions = List.copyOf(versions);
    }

    Version newestGood() {
      for (int i = versions.size() - 1; i >= 0; i--) {
        if (versions.get(i).good()) {
          return versions.get(i);
        }
      }
      return null;
    }

    State add(Version v) {
      List<Version> out = new ArrayList<>(versions);
      out.add(v);
      return new State(out);
    }

    State markBad(List<Long> numbers) {
      List<Version> out = new ArrayList<>(versions.size());
      for (Version v : versions) {
        out.add(numbers.contains(v.number()) ? v.bad() : v);
      }
      return new State(out);
    }
  }

  // ---- behavior ----

  private final AdapterStore store;
  private final ActorRef<Topic.Command<AdapterPublished>> topic;
  private final Clock clock;

  private AdapterHub(String persistenceId, AdapterStore store, ActorRef<Topic.Command<AdapterPublished>> topic, Clock clock) {
    super(PersistenceId.ofUniqueId(persistenceId),
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.2));
    this.store = store;
    this.topic = topic;
    this.clock = clock;
  }

  /**
   * The hub, broadcasting on {@code topic}: a {@code Topic.create(AdapterPublished.class, TOPIC)}
   * actor, which reaches every subscriber on every node.
   */
  public static Behavior<Command> create(
      String persistenceId, AdapterStore store, ActorRef<Topic.Command<AdapterPublished>> topic, Clock clock) {
    return new AdapterHub(persistenceId, store, topic, clock);
  }

  @Override
  public State emptyState() {
    return new State(List.of());
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2).withDeleteEventsOnSnapshot();
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Publish.class, this::onPublish)
        .onCommand(Rollback.class, this::onRollback)
        .onCommand(GetVersions.class, (state, get) -> Effect().reply(get.replyTo(), new Versions(state.versions(), state.newestGood())))
        .onCommand(Fetch.class, this::onFetch)
        .build();
  }

  private ReplyEffect<Event, State> onPublish(State state, Publish publish) {
    if (publish.sha256() == null || !publish.sha256().matches("[0-9a-f]{64}")) {
      return Effect().reply(publish.replyTo(), new PublishRefused("'" + publish.sha256() + "' is not a SHA-256"));
    }
    if (!Files.isDirectory(store.path(publish.sha256()))) {
      return Effect().reply(publish.replyTo(), new PublishRefused("no adapter " + publish.sha256() + " in the store"));
    }
    long number = state.versions().size() + 1L;
    if (publish.parent() < 0 || publish.parent() >= number) {
      return Effect().reply(publish.replyTo(), new PublishRefused("parent " + publish.parent() + " is not an earlier version"));
    }
    Version v = new Version(number, publish.parent(), publish.sha256(), publish.sizeBytes(), Map.copyOf(publish.metrics()), true,
        clock.millis());
    return Effect()
        .persist(new VersionAdded(v))
        .thenRun(s -> topic.tell(Topic.publish(new AdapterPublished(v, clock.millis()))))
        .thenReply(publish.replyTo(), s -> new Published(v));
  }

  private ReplyEffect<Event, State> onRollback(State state, Rollback rollback) {
    long to = rollback.to();
    if (to < 0 || to > state.versions().size()) {
      return Effect().reply(rollback.replyTo(), new RollbackRefused("there is no version " + to));
    }
    if (to > 0 && !state.versions().get((int) to - 1).good()) {
      return Effect().reply(rollback.replyTo(), new RollbackRefused("version " + to + " is itself marked bad"));
    }
    List<Long> bad = new ArrayList<>();
    for (Version v : state.versions()) {
      if (v.number() > to && v.good()) {
        bad.add(v.number());
      }
    }
    return Effect()
        .persist(new VersionsMarkedBad(to, bad))
        .thenRun(s -> topic.tell(Topic.publish(new AdapterPublished(s.newestGood(), clock.millis()))))
        .thenReply(rollback.replyTo(), s -> new RolledBack(to, bad));
  }

  private ReplyEffect<Event, State> onFetch(State state, Fetch fetch) {
    if (fetch.number() < 1 || fetch.number() > state.versions().size()) {
      return Effect().reply(fetch.replyTo(), new FetchRefused("there is no version " + fetch.number()));
    }
    if (fetch.maxBytes() < 1 || fetch.offset() < 0) {
      return Effect().reply(fetch.replyTo(), new FetchRefused("bad chunk request at " + fetch.offset() + " of " + fetch.maxBytes() + " bytes"));
    }
    Version v = state.versions().get((int) fetch.number() - 1);
    byte[] bundle;
    try {
      bundle = store.bundle(v.sha256());
    } catch (java.io.IOException e) {
      return Effect().reply(fetch.replyTo(), new FetchRefused("version " + v.number() + " cannot be read: " + e.getMessage()));
    }
    int from = (int) Math.min(fetch.offset(), bundle.length);
    int to = (int) Math.min((long) from + fetch.maxBytes(), bundle.length);
    return Effect().reply(fetch.replyTo(),
        new Chunk(v.number(), v.sha256(), from, bundle.length, java.util.Arrays.copyOfRange(bundle, from, to)));
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(VersionAdded.class, (state, e) -> state.add(e.version()))
        .onEvent(VersionsMarkedBad.class, (state, e) -> state.markBad(e.numbers()))
        .build();
  }
}
