package io.swarmengine.adapter;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.pubsub.Topic;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.javadsl.CommandHandlerWithReply;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.ReplyEffect;
import akka.persistence.typed.javadsl.RetentionCriteria;
import com.fasterxml.jackson.annotation.JsonIgnore;
import io.swarmengine.CborSerializable;
import io.swarmengine.persistence.JournaledBehavior;
import java.nio.file.Files;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The registry of adapter versions: number, parent, content hash, size, the training step's
 * metrics, and status (good, or bad after a rollback). Files live in the {@link AdapterStore}; every
 * new newest-good version is broadcast as {@link AdapterPublished} on the {@value #TOPIC} topic,
 * for workers to fetch, verify and swap in between episode groups.
 *
 * <p>A live run publishes versions without end, so the hub keeps the newest {@code keepVersions}:
 * older records are pruned (an event of their own) and their files deleted unless a kept version
 * shares them. Numbers go on from the highest ever published. Its state, snapshots and replies
 * stay bounded however long the run.
 */
public final class AdapterHub
    extends JournaledBehavior<AdapterHub.Command, AdapterHub.Event, AdapterHub.State> {

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

  /**
   * The kept versions, oldest first, the newest good one (null: the base model), and how many were
   * ever published (the newest number; older ones than the first kept were pruned).
   */
  public record Versions(List<Version> all, Version newestGood, long published) implements CborSerializable {
    /** The newest position a kept version's step was asked for, or -1. */
    @JsonIgnore
    public long newestTrainedPosition() {
      long newest = -1;
      for (Version v : all) {
        newest = Math.max(newest, v.trainedPosition());
      }
      return newest;
    }
  }

  public record Version(
      long number, long parent, String sha256, long sizeBytes, Map<String, Double> metrics, boolean good, long createdAtMillis)
      implements CborSerializable {
    /** The metric naming the position whose request the step answered (the trainer records it). */
    public static final String POSITION = "position";

    Version bad() {
      return new Version(number, parent, sha256, sizeBytes, metrics, false, createdAtMillis);
    }

    /** The position whose training request this version's step answered, or -1 when it does not say. */
    @JsonIgnore
    public long trainedPosition() {
      Double position = metrics.get(POSITION);
      return position == null ? -1 : position.longValue();
    }
  }

  /**
   * Broadcast when the newest good version changes (by a publish, or by a rollback: {@code
   * rollback}; null: the base model), at {@code announcedAtMillis} on the hub's clock: hot-reload
   * latency counts from here. The topic keeps the hub's order, but not against the hub's replies:
   * the trainer may hear of version n after the reply that published n + 1, so only the flag says
   * that a lower number is a rollback.
   */
  public record AdapterPublished(Version version, long announcedAtMillis, boolean rollback) implements CborSerializable {}

  // ---- events and state ----

  public interface Event extends CborSerializable {}

  public record VersionAdded(Version version) implements Event {}

  public record VersionsMarkedBad(long to, List<Long> numbers) implements Event {}

  /** The records of versions up to {@code through} are dropped (their files go too, unless shared). */
  public record VersionsPruned(long through) implements Event {}

  /** The kept versions, contiguous numbers oldest first, and the highest number ever published. */
  public record State(List<Version> versions, long published) implements CborSerializable {
    public State {
      versions = List.copyOf(versions);
      // a snapshot from before pruning existed holds no count: every version was kept then
      published = Math.max(published, versions.isEmpty() ? 0 : versions.get(versions.size() - 1).number());
    }

    /** The number of the oldest kept version (published + 1 when none is kept). */
    long firstKept() {
      return versions.isEmpty() ? published + 1 : versions.get(0).number();
    }

    /** Version {@code number} if it is kept, else null. */
    Version version(long number) {
      long index = number - firstKept();
      return index < 0 || index >= versions.size() ? null : versions.get((int) index);
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
      List<Version> out = new ArrayList<>(versions.size() + 1);
      out.addAll(versions);
      out.add(v);
      return new State(out, v.number());
    }

    State markBad(List<Long> numbers) {
      java.util.Set<Long> bad = new java.util.HashSet<>(numbers);
      List<Version> out = new ArrayList<>(versions.size());
      for (Version v : versions) {
        out.add(bad.contains(v.number()) ? v.bad() : v);
      }
      return new State(out, published);
    }

    State prune(long through) {
      List<Version> out = new ArrayList<>(versions.size());
      for (Version v : versions) {
        if (v.number() > through) {
          out.add(v);
        }
      }
      return new State(out, published);
    }
  }

  // ---- behavior ----

  /** The fewest versions a hub may keep: a worker still loading a recent version must find its files. */
  public static final int MIN_KEEP_VERSIONS = 10;

  private final AdapterStore store;
  private final ActorRef<Topic.Command<AdapterPublished>> topic;
  private final Clock clock;
  private final int keepVersions;

  private AdapterHub(String persistenceId, AdapterStore store, ActorRef<Topic.Command<AdapterPublished>> topic, Clock clock,
      int keepVersions) {
    super(PersistenceId.ofUniqueId(persistenceId));
    if (keepVersions < MIN_KEEP_VERSIONS) {
      throw new IllegalArgumentException("keep-versions " + keepVersions + " is below " + MIN_KEEP_VERSIONS);
    }
    this.store = store;
    this.topic = topic;
    this.clock = clock;
    this.keepVersions = keepVersions;
  }

  /**
   * The hub, broadcasting on {@code topic}: a {@code Topic.create(AdapterPublished.class, TOPIC)}
   * actor, which reaches every subscriber on every node. It keeps the newest {@code keepVersions}
   * versions (at least {@value #MIN_KEEP_VERSIONS}).
   */
  public static Behavior<Command> create(
      String persistenceId, AdapterStore store, ActorRef<Topic.Command<AdapterPublished>> topic, Clock clock, int keepVersions) {
    return new AdapterHub(persistenceId, store, topic, clock, keepVersions);
  }

  /** {@code swarm.adapters.keep-versions}, checked. */
  public static int keepVersions(com.typesafe.config.Config config) {
    String path = "swarm.adapters.keep-versions";
    int keep = config.getInt(path);
    if (keep < MIN_KEEP_VERSIONS) {
      throw new com.typesafe.config.ConfigException.BadValue(path,
          keep + " is too few: keep at least " + MIN_KEEP_VERSIONS + " (a worker may still be loading a recent one)");
    }
    return keep;
  }

  @Override
  public State emptyState() {
    return new State(List.of(), 0);
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
        .onCommand(GetVersions.class,
            (state, get) -> Effect().reply(get.replyTo(), new Versions(state.versions(), state.newestGood(), state.published())))
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
    long number = state.published() + 1;
    if (publish.parent() < 0 || publish.parent() >= number) {
      return Effect().reply(publish.replyTo(), new PublishRefused("parent " + publish.parent() + " is not an earlier version"));
    }
    Version parent = state.version(publish.parent());
    if (parent != null && !parent.good()) {
      // a step that was in flight when a rollback marked its line bad: publishing it would undo the rollback
      return Effect().reply(publish.replyTo(), new PublishRefused("parent " + publish.parent()
          + " was rolled back (marked bad): what was trained on from it is not published"));
    }
    Version v = new Version(number, publish.parent(), publish.sha256(), publish.sizeBytes(), Map.copyOf(publish.metrics()), true,
        clock.millis());
    List<Event> events = new ArrayList<>(2);
    events.add(new VersionAdded(v));
    long through = number - keepVersions;
    if (through >= state.firstKept()) {
      events.add(new VersionsPruned(through));
    }
    return Effect()
        .persist(events)
        .thenRun(s -> topic.tell(Topic.publish(new AdapterPublished(v, clock.millis(), false))))
        .thenRun(s -> deleteUnshared(state, s))
        .thenReply(publish.replyTo(), s -> new Published(v));
  }

  /** Deletes the files of versions {@code before} held and {@code after} does not, unless a kept version shares them. */
  private void deleteUnshared(State before, State after) {
    if (after.firstKept() <= before.firstKept()) {
      return;
    }
    java.util.Set<String> kept = new java.util.HashSet<>();
    for (Version v : after.versions()) {
      kept.add(v.sha256());
    }
    for (Version v : before.versions()) {
      if (v.number() >= after.firstKept()) {
        break;
      }
      if (!kept.contains(v.sha256())) {
        try {
          store.delete(v.sha256());
        } catch (java.io.IOException e) {
          org.slf4j.LoggerFactory.getLogger(AdapterHub.class)
              .warn("the files of pruned version {} ({}) were not deleted: {}", v.number(), store.path(v.sha256()), e.toString());
        }
      }
    }
  }

  /** Why {@code v}'s stored files no longer hash to its sha256, or null when they do. */
  private String damaged(Version v) {
    try {
      String actual = AdapterStore.sha256(store.path(v.sha256()));
      return actual.equals(v.sha256()) ? null
          : "the files of version " + v.number() + " in " + store.path(v.sha256()) + " hash to " + actual + ", not to its sha256";
    } catch (java.nio.file.NoSuchFileException e) {
      return "the files of version " + v.number() + " cannot be read: " + store.path(v.sha256()) + " has no "
          + java.nio.file.Path.of(e.getFile()).getFileName();
    } catch (java.io.IOException e) {
      return "the files of version " + v.number() + " cannot be read: " + e;
    }
  }

  private ReplyEffect<Event, State> onRollback(State state, Rollback rollback) {
    long to = rollback.to();
    if (to < 0 || to > state.published()) {
      return Effect().reply(rollback.replyTo(), new RollbackRefused("there is no version " + to));
    }
    if (to > 0 && state.version(to) == null) {
      return Effect().reply(rollback.replyTo(), new RollbackRefused(pruned(to, state)));
    }
    if (to > 0 && !state.version(to).good()) {
      return Effect().reply(rollback.replyTo(), new RollbackRefused("version " + to + " is itself marked bad"));
    }
    String damaged = to > 0 ? damaged(state.version(to)) : null;
    if (damaged != null) {
      // every worker and the trainer would refuse it: the run would have no version to go on from
      return Effect().reply(rollback.replyTo(), new RollbackRefused(damaged));
    }
    List<Long> bad = new ArrayList<>();
    for (Version v : state.versions()) {
      if (v.number() > to && v.good()) {
        bad.add(v.number());
      }
    }
    return Effect()
        .persist(new VersionsMarkedBad(to, bad))
        .thenRun(s -> topic.tell(Topic.publish(new AdapterPublished(s.newestGood(), clock.millis(), true))))
        .thenReply(rollback.replyTo(), s -> new RolledBack(to, bad));
  }

  private String pruned(long number, State state) {
    return "version " + number + " was pruned: the hub keeps the newest " + keepVersions + " (" + state.firstKept() + ".."
        + state.published() + "; swarm.adapters.keep-versions)";
  }

  private ReplyEffect<Event, State> onFetch(State state, Fetch fetch) {
    if (fetch.number() < 1 || fetch.number() > state.published()) {
      return Effect().reply(fetch.replyTo(), new FetchRefused("there is no version " + fetch.number()));
    }
    if (state.version(fetch.number()) == null) {
      return Effect().reply(fetch.replyTo(), new FetchRefused(pruned(fetch.number(), state)));
    }
    if (fetch.maxBytes() < 1 || fetch.offset() < 0) {
      return Effect().reply(fetch.replyTo(), new FetchRefused("bad chunk request at " + fetch.offset() + " of " + fetch.maxBytes() + " bytes"));
    }
    Version v = state.version(fetch.number());
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
        .onEvent(VersionsPruned.class, (state, e) -> state.prune(e.through()))
        .build();
  }
}
