package io.swarmengine.replay;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.RecoveryCompleted;
import akka.persistence.typed.SnapshotAdapter;
import akka.persistence.typed.javadsl.CommandHandlerWithReply;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.ReplyEffect;
import akka.persistence.typed.javadsl.SignalHandler;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.swarmengine.CborSerializable;
import io.swarmengine.persistence.BatchWritten;
import io.swarmengine.persistence.GroupCommit;
import io.swarmengine.persistence.JournaledBehavior;
import io.swarmengine.persistence.SnapshotWriter;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable prioritized replay: episode groups go in, prioritized samples with importance
 * weights come out, and trainers send priorities back.
 *
 * <p>An insert is acknowledged only once its groups are journaled; {@link #batched} puts a
 * {@link GroupCommit} in front so that concurrent inserts share journal writes. Samples and
 * priority updates (sample counts, removal after {@code max-times-sampled}, priorities) are
 * journaled too, but written behind, as Reverb keeps them between checkpoints: a sample is answered
 * at once, and its bookkeeping goes into the journal with the next insert's write, or on its own
 * after {@code sampling-write-behind}, or on {@link Flush}. A recovered replay holds every
 * acknowledged item; a crash (not a stop, which flushes) can lose at most that last span of sample
 * counts and priorities, never an item. Samplers that the rate limiter holds back wait, up to
 * their timeout; inserts never wait.
 *
 * <p>The state is a mutable {@link PrioritizedStore}, changed by the event handler, or by the
 * command handler for bookkeeping written behind (the event handler then skips those very events
 * when they are journaled, and applies them on recovery): copying a million-item store per event
 * is not an option. Every {@code snapshot-every} journal writes a copy of its
 * arrays (milliseconds) goes to a {@link SnapshotWriter}, which writes it in a compact binary form
 * while the replay goes on serving; Akka's own snapshots would stash every command for the whole
 * write.
 */
public final class Replay
    extends JournaledBehavior<Replay.Command, Replay.Event, Replay.State> {

  private static final Logger LOG = LoggerFactory.getLogger(Replay.class);

  // ---- protocol ----

  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
  @JsonSubTypes({
    @JsonSubTypes.Type(value = Insert.class, name = "insert"),
    @JsonSubTypes.Type(value = InsertBatch.class, name = "insert-batch"),
    @JsonSubTypes.Type(value = Sample.class, name = "sample"),
    @JsonSubTypes.Type(value = UpdatePriorities.class, name = "update-priorities"),
    @JsonSubTypes.Type(value = GetStats.class, name = "stats"),
    @JsonSubTypes.Type(value = Inspect.class, name = "inspect"),
    @JsonSubTypes.Type(value = Flush.class, name = "flush")
  })
  public interface Command extends CborSerializable {}

  /** Adds groups; the reply comes once the accepted ones are durable. */
  public record Insert(List<EpisodeGroup> groups, ActorRef<InsertResult> replyTo) implements Command {}

  /** Several inserts in one journal write (what {@link GroupCommit} sends). */
  public record InsertBatch(List<Command> inserts, ActorRef<BatchWritten> replyTo) implements Command {}

  /**
   * Asks for {@code n} items at most {@code maxLag} adapter versions behind the newest, with
   * importance exponent {@code beta} (null: annealed); waits up to {@code timeoutMillis} while the
   * rate limiter or an empty replay holds it back.
   */
  public record Sample(int n, Double beta, long maxLag, long timeoutMillis, ActorRef<SampleReply> replyTo)
      implements Command {}

  /** New priorities for sampled copies; updates for copies no longer present are dropped. */
  public record UpdatePriorities(List<SampleKey> keys, double[] priorities, ActorRef<UpdateReply> replyTo)
      implements Command {
    @Override
    public boolean equals(Object o) {
      return o instanceof UpdatePriorities u
          && keys.equals(u.keys)
          && Arrays.equals(priorities, u.priorities)
          && replyTo.equals(u.replyTo);
    }

    @Override
    public int hashCode() {
      return keys.hashCode() * 31 + Arrays.hashCode(priorities);
    }
  }

  public record GetStats(ActorRef<Stats> replyTo) implements Command {}

  /** The whole picture, with a histogram and a digest: O(size), for tools and tests. */
  public record Inspect(ActorRef<ReplayInspection> replyTo) implements Command {}

  /** Journals the sampling bookkeeping written behind so far; the answer comes once it is durable. */
  public record Flush(ActorRef<Flushed> replyTo) implements Command {}

  /** {@code events}: how many events the flush journaled (0: nothing was pending). */
  public record Flushed(int events) implements CborSerializable {}

  /** Waiting samplers may be able to go on. */
  private record WakeSamplers() implements Command {}

  /** Bookkeeping has waited {@code sampling-write-behind}: it goes into the journal on its own. */
  private record WriteBehindDue() implements Command {}

  private record SampleTimedOut(long waitId) implements Command {}

  /** Which groups are durably in (or were already), and which were refused and why. */
  public record InsertResult(List<String> accepted, List<String> duplicates, List<Rejection> rejected)
      implements CborSerializable {}

  public record Rejection(String id, List<String> reasons) implements CborSerializable {
    /** The group's id and every reason, for a log line or a summary. */
    public String describe() {
      return id + ": " + String.join("; ", reasons);
    }
  }

  public sealed interface SampleReply extends CborSerializable {}

  /**
   * The items drawn (an item may appear more than once), each with its importance weight and the
   * key to update its priority by. Fewer than asked only when {@code max-times-sampled} used up
   * every eligible item.
   */
  public record SampledBatch(List<EpisodeGroup> items, double[] weights, List<SampleKey> keys, double beta)
      implements SampleReply {}

  public record SampleRefused(String reason) implements SampleReply {}

  public sealed interface UpdateReply extends CborSerializable {}

  public record PrioritiesUpdated(int applied, int dropped) implements UpdateReply {}

  public record UpdateRejected(String reason) implements UpdateReply {}

  public record Stats(
      int size,
      int capacity,
      double samplingMass,
      long inserts,
      long itemsSampled,
      long batchesSampled,
      long evicted,
      long evictedStale,
      long removedAfterMaxSamples,
      long droppedUpdates,
      int waitingSamplers,
      long newestVersion,
      double maxPriority)
      implements CborSerializable {}

  // ---- events ----

  public interface Event extends CborSerializable {}

  /** One group, with the priority and insert sequence decided for it. */
  public record Entry(EpisodeGroup group, double priority, long seq) implements CborSerializable {}

  public record Inserted(List<Entry> entries) implements Event {}

  public record Sampled(List<SampleKey> keys) implements Event {}

  public record PrioritiesSet(List<SampleKey> keys, double[] priorities) implements Event {
    @Override
    public boolean equals(Object o) {
      return o instanceof PrioritiesSet p && keys.equals(p.keys) && Arrays.equals(priorities, p.priorities);
    }

    @Override
    public int hashCode() {
      return keys.hashCode() * 31 + Arrays.hashCode(priorities);
    }
  }

  /** The event-sourced state: the store, changed in place by the event handler only. */
  public static final class State {
    final PrioritizedStore store;

    State(PrioritizedStore store) {
      this.store = store;
    }

    public PrioritizedStore store() {
      return store;
    }
  }

  // ---- behavior ----

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final ReplaySettings settings;
  private final SplittableRandom random;
  private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
  private long nextWaitId;
  private final ActorRef<Object> snapshotWriter;
  private int eventsSinceSnapshot;
  /** Sampling bookkeeping applied to the store and not yet journaled, oldest first. */
  private final List<Event> unwritten = new ArrayList<>();
  /** The same events, by identity: the event handler skips them when they are journaled. */
  private final Set<Event> appliedAhead = Collections.newSetFromMap(new IdentityHashMap<>());

  private record Waiting(long id, Sample request) {}

  private Replay(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      ReplaySettings settings,
      long seed) {
    super(PersistenceId.ofUniqueId(settings.persistenceId()));
    this.context = context;
    this.timers = timers;
    this.settings = settings;
    this.random = new SplittableRandom(seed);
    this.snapshotWriter =
        context.spawn(SnapshotWriter.create(settings.persistenceId()), "snapshot-writer");
  }

  /** The journaled replay; {@code seed} drives its sampling. */
  public static Behavior<Command> create(ReplaySettings settings, long seed) {
    return Behaviors.setup(
        context -> Behaviors.withTimers(timers -> new Replay(context, timers, settings, seed)));
  }

  /** The replay behind a {@link GroupCommit} of its inserts: the form to use under load. */
  public static Behavior<Command> batched(ReplaySettings settings, long seed) {
    return Behaviors.setup(
        context ->
            GroupCommit.create(
                context.spawn(create(settings, seed), "journaled"),
                Command.class,
                command -> command instanceof Insert,
                InsertBatch::new,
                settings.maxBatch(),
                Duration.ofSeconds(30)));
  }

  @Override
  public State emptyState() {
    return new State(new PrioritizedStore(settings.store()));
  }

  @Override
  public SnapshotAdapter<State> snapshotAdapter() {
    return new SnapshotAdapter<>() {
      @Override
      public Object toJournal(State state) {
        return state.store.snapshot();
      }

      @Override
      public State fromJournal(Object from) {
        return new State(PrioritizedStore.restore(settings.store(), (ReplaySnapshot) from));
      }
    };
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(
            RecoveryCompleted.instance(),
            state ->
                LOG.info(
                    "replay ready: {} items of {}, {} inserted so far",
                    state.store.size(),
                    settings.store().capacity(),
                    state.store.counters().inserts))
        .build();
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Insert.class, this::onInsert)
        .onCommand(InsertBatch.class, this::onInsertBatch)
        .onCommand(Sample.class, this::onSample)
        .onCommand(UpdatePriorities.class, this::onUpdatePriorities)
        .onCommand(GetStats.class, this::onGetStats)
        .onCommand(Inspect.class, this::onInspect)
        .onCommand(WakeSamplers.class, this::onWakeSamplers)
        .onCommand(SampleTimedOut.class, this::onSampleTimedOut)
        .onCommand(Flush.class, this::onFlush)
        .onCommand(WriteBehindDue.class, this::onWriteBehindDue)
        .build();
  }

  // ---- inserts ----

  private ReplyEffect<Event, State> onInsert(State state, Insert insert) {
    InsertDecision decision = new InsertDecision(state.store);
    InsertResult result = decision.decide(insert.groups());
    return decision.effect().thenReply(insert.replyTo(), s -> result);
  }

  private ReplyEffect<Event, State> onInsertBatch(State state, InsertBatch batch) {
    InsertDecision decision = new InsertDecision(state.store);
    List<Runnable> replies = new ArrayList<>(batch.inserts().size());
    for (Command command : batch.inserts()) {
      if (command instanceof Insert insert) {
        InsertResult result = decision.decide(insert.groups());
        replies.add(() -> insert.replyTo().tell(result));
      }
    }
    return decision
        .effect()
        .thenRun(s -> replies.forEach(Runnable::run))
        .thenReply(batch.replyTo(), s -> new BatchWritten(batch.inserts().size()));
  }

  /** Validates, deduplicates and prices groups against the store and each other. */
  private final class InsertDecision {
    private final PrioritizedStore store;
    private final List<Entry> entries = new ArrayList<>();
    private final Set<String> idsInBatch = new HashSet<>();
    private long nextSeq;
    private double maxSeen;

    InsertDecision(PrioritizedStore store) {
      this.store = store;
      this.nextSeq = store.counters().nextSeq;
      this.maxSeen = store.counters().maxSeen;
    }

    InsertResult decide(List<EpisodeGroup> groups) {
      List<String> accepted = new ArrayList<>();
      List<String> duplicates = new ArrayList<>();
      List<Rejection> rejected = new ArrayList<>();
      for (EpisodeGroup g : groups) {
        List<String> problems = settings.limits().problems(g);
        if (!problems.isEmpty()) {
          rejected.add(new Rejection(g.id(), problems));
          continue;
        }
        if (store.contains(g.id()) || !idsInBatch.add(g.id())) {
          duplicates.add(g.id());
          continue;
        }
        double priority;
        try {
          priority = settings.priority().priority(g, maxSeen);
        } catch (RuntimeException e) {
          idsInBatch.remove(g.id());
          rejected.add(new Rejection(g.id(), List.of("priority function '" + settings.priorityName() + "' failed: " + e)));
          continue;
        }
        if (!Double.isFinite(priority) || priority < 0) {
          idsInBatch.remove(g.id());
          rejected.add(new Rejection(g.id(), List.of("priority " + priority + " is not a finite value >= 0")));
          continue;
        }
        entries.add(new Entry(g, priority, nextSeq++));
        maxSeen = Math.max(maxSeen, priority);
        accepted.add(g.id());
      }
      return new InsertResult(accepted, duplicates, rejected);
    }

    akka.persistence.typed.javadsl.EffectBuilder<Event, State> effect() {
      if (entries.isEmpty()) {
        return Effect().none();
      }
      return Effect().persist(withUnwritten(new Inserted(entries))).thenRun(Replay.this::afterWrite);
    }
  }

  // ---- samples ----

  private ReplyEffect<Event, State> onSample(State state, Sample sample) {
    String bad = invalid(sample);
    if (bad != null) {
      return Effect().reply(sample.replyTo(), new SampleRefused(bad));
    }
    ReplyEffect<Event, State> drawn = tryDraw(state, sample);
    if (drawn != null) {
      return drawn;
    }
    if (sample.timeoutMillis() <= 0) {
      return Effect().reply(sample.replyTo(), new SampleRefused(whyWaiting(state, sample)));
    }
    await(sample);
    return Effect().noReply();
  }

  private void await(Sample sample) {
    long id = nextWaitId++;
    waiting.add(new Waiting(id, sample));
    timers.startSingleTimer(id, new SampleTimedOut(id), Duration.ofMillis(sample.timeoutMillis()));
  }

  private String invalid(Sample sample) {
    if (sample.n() < 1 || sample.n() > settings.maxSampleSize()) {
      return "sample size must be in [1, " + settings.maxSampleSize() + "], got " + sample.n();
    }
    if (sample.maxLag() < 0) {
      return "maxLag must be >= 0, got " + sample.maxLag();
    }
    if (sample.beta() != null && !(sample.beta() >= 0 && sample.beta() <= 1)) {
      return "beta must be in [0, 1], got " + sample.beta();
    }
    return null;
  }

  /** Why a priority update cannot be taken (null: it can). */
  private static String invalid(List<SampleKey> keys, double[] priorities) {
    if (keys.size() != priorities.length) {
      return keys.size() + " keys but " + priorities.length + " priorities";
    }
    for (int i = 0; i < priorities.length; i++) {
      double p = priorities[i];
      if (!Double.isFinite(p) || p < 0) {
        return "priority " + i + " (for " + keys.get(i).id() + ") is " + p + ", not a finite value >= 0; nothing was updated";
      }
    }
    return null;
  }

  /** The sample's effect if it may be drawn now, else null. */
  private ReplyEffect<Event, State> tryDraw(State state, Sample sample) {
    PrioritizedStore store = state.store;
    PrioritizedStore.Counters c = store.counters();
    if (!settings.rateLimiter().canSample(store.size(), c.inserts, c.itemsSampled, sample.n())) {
      return null;
    }
    double beta = sample.beta() == null ? Double.NaN : sample.beta();
    PrioritizedStore.Draw draw = store.sample(sample.n(), beta, sample.maxLag(), random);
    if (draw == null) {
      return null;
    }
    List<EpisodeGroup> items = new ArrayList<>(draw.slots().length);
    for (int slot : draw.slots()) {
      items.add(store.item(slot));
    }
    SampledBatch batch = new SampledBatch(items, draw.weights(), draw.keys(), draw.beta());
    writeBehind(state, new Sampled(draw.keys()));
    return Effect().reply(sample.replyTo(), batch);
  }

  private String whyWaiting(State state, Sample sample) {
    PrioritizedStore store = state.store;
    PrioritizedStore.Counters c = store.counters();
    if (!settings.rateLimiter().canSample(store.size(), c.inserts, c.itemsSampled, sample.n())) {
      return settings.rateLimiter().whyWaiting(store.size(), c.inserts, c.itemsSampled, sample.n());
    }
    return "all " + store.size() + " items are more than " + sample.maxLag()
        + " adapter versions behind the newest (" + c.newestVersion + ")";
  }

  // ---- bookkeeping written behind ----

  /**
   * Applies {@code event} to the store now and keeps it for the next journal write; within
   * {@code sampling-write-behind} it is written on its own if no insert has taken it.
   */
  private void writeBehind(State state, Event event) {
    apply(state, event);
    unwritten.add(event);
    appliedAhead.add(event);
    if (!timers.isTimerActive(WriteBehindDue.class)) {
      timers.startSingleTimer(WriteBehindDue.class, new WriteBehindDue(), settings.samplingWriteBehind());
    }
  }

  /** The events written behind so far, then {@code event} (null: none), for one journal write. */
  private List<Event> withUnwritten(Event event) {
    List<Event> events = new ArrayList<>(unwritten.size() + 1);
    events.addAll(unwritten);
    if (event != null) {
      events.add(event);
    }
    unwritten.clear();
    timers.cancel(WriteBehindDue.class);
    return events;
  }

  private ReplyEffect<Event, State> onWriteBehindDue(State state, WriteBehindDue due) {
    if (unwritten.isEmpty()) {
      return Effect().noReply();
    }
    return Effect().persist(withUnwritten(null)).thenRun(this::afterWrite).thenNoReply();
  }

  private ReplyEffect<Event, State> onFlush(State state, Flush flush) {
    if (unwritten.isEmpty()) {
      return Effect().reply(flush.replyTo(), new Flushed(0));
    }
    Flushed flushed = new Flushed(unwritten.size());
    return Effect().persist(withUnwritten(null)).thenRun(this::afterWrite).thenReply(flush.replyTo(), s -> flushed);
  }

  /**
   * After every journal write: waiting samplers may go on, and every {@code snapshot-every}
   * writes a copy of the store goes to the snapshot writer (the copy takes milliseconds; the
   * write happens while the replay goes on). Nothing is written behind at this point (every write
   * takes all of it, and commands wait for the write), so the copy is exactly what is journaled.
   */
  private void afterWrite(State state) {
    wakeSamplers();
    if (++eventsSinceSnapshot >= settings.snapshotEvery()) {
      eventsSinceSnapshot = 0;
      long started = System.nanoTime();
      ReplaySnapshot copy = state.store.snapshot();
      snapshotWriter.tell(
          new SnapshotWriter.Write(
              copy,
              lastSequenceNumber(context),
              state.store.size() + " items, copied in " + (System.nanoTime() - started) / 1_000_000 + " ms"));
    }
  }

  private void wakeSamplers() {
    if (!waiting.isEmpty()) {
      context.getSelf().tell(new WakeSamplers());
    }
  }

  /** Serves the longest-waiting sampler if it may go on now (one per message: each is a write). */
  private ReplyEffect<Event, State> onWakeSamplers(State state, WakeSamplers wake) {
    Waiting head = waiting.peek();
    if (head == null) {
      return Effect().noReply();
    }
    ReplyEffect<Event, State> drawn = tryDraw(state, head.request());
    if (drawn == null) {
      return Effect().noReply();
    }
    waiting.poll();
    timers.cancel(head.id());
    return drawn;
  }

  private ReplyEffect<Event, State> onSampleTimedOut(State state, SampleTimedOut timedOut) {
    for (Waiting w : waiting) {
      if (w.id() == timedOut.waitId()) {
        waiting.remove(w);
        String why = whyWaiting(state, w.request());
        return Effect()
            .reply(
                w.request().replyTo(),
                new SampleRefused("timed out after " + w.request().timeoutMillis() + " ms waiting: " + why));
      }
    }
    return Effect().noReply();
  }

  // ---- priorities and stats ----

  private ReplyEffect<Event, State> onUpdatePriorities(State state, UpdatePriorities update) {
    String bad = invalid(update.keys(), update.priorities());
    if (bad != null) {
      return Effect().reply(update.replyTo(), new UpdateRejected(bad));
    }
    int present = 0;
    for (SampleKey key : update.keys()) {
      int slot = state.store.slot(key.id());
      if (slot >= 0 && state.store.seq(slot) == key.insertSeq()) {
        present++;
      }
    }
    writeBehind(state, new PrioritiesSet(update.keys(), update.priorities()));
    return Effect().reply(update.replyTo(), new PrioritiesUpdated(present, update.keys().size() - present));
  }

  private ReplyEffect<Event, State> onGetStats(State state, GetStats get) {
    return Effect().reply(get.replyTo(), statsOf(state.store));
  }

  private ReplyEffect<Event, State> onInspect(State state, Inspect inspect) {
    return Effect()
        .reply(inspect.replyTo(), ReplayInspection.of(state.store, statsOf(state.store), 10));
  }

  private Stats statsOf(PrioritizedStore store) {
    PrioritizedStore.Counters c = store.counters();
    return new Stats(
                store.size(),
                settings.store().capacity(),
                store.totalWeight(),
                c.inserts,
                c.itemsSampled,
                c.batchesSampled,
                c.evicted,
                c.evictedStale,
                c.removedAfterMaxSamples,
                c.droppedUpdates,
        waiting.size(),
        c.newestVersion,
        c.maxSeen);
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onAnyEvent((state, event) -> appliedAhead.remove(event) ? state : apply(state, event));
  }

  private static State apply(State state, Event event) {
    if (event instanceof Inserted inserted) {
      for (Entry e : inserted.entries()) {
        state.store.insert(e.group(), e.priority(), e.seq());
      }
    } else if (event instanceof Sampled sampled) {
      state.store.recordSample(sampled.keys());
    } else if (event instanceof PrioritiesSet set) {
      state.store.updatePriorities(set.keys(), set.priorities());
    } else {
      throw new IllegalStateException("unknown replay event " + event.getClass().getName());
    }
    return state;
  }
}
