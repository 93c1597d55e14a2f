package io.swarmengine.worker;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.DispatcherSelector;
import akka.actor.typed.Scheduler;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.actor.typed.pubsub.Topic;
import io.swarmengine.CborSerializable;
import io.swarmengine.adapter.AdapterFetch;
import io.swarmengine.adapter.AdapterHub;
import io.swarmengine.concurrent.Asks;
import io.swarmengine.concurrent.Failures;
import io.swarmengine.cursor.PolicyCursor;
import io.swarmengine.env.Task;
import io.swarmengine.policy.CompiledPolicy;
import io.swarmengine.policy.PolicyAction;
import io.swarmengine.replay.Episode;
import io.swarmengine.replay.EpisodeGroup;
import io.swarmengine.replay.Replay;
import io.swarmengine.trainer.Trainer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A worker of the swarm. It leases runs of positions from the cursor, plays one episode group per
 * position with its current policy (on the blocking dispatcher, a chunk of groups at a time),
 * inserts the groups into the replay, sends the trainer the requests that train positions call for
 * once their groups are acknowledged, and completes acknowledged positions at the cursor every
 * {@code complete-every} (one journal write for many chunks), when its leased positions run out,
 * and when it is drained. A position acknowledged but not yet completed when the node dies is
 * played again after a resume and its group refused as a duplicate: compute is lost, no data.
 *
 * <p>Adapter versions announced on the hub's topic are loaded (sha256 verified) beside the play and
 * swapped in <em>between</em> two groups, never inside one, so every episode of a group carries the
 * version that produced it. A version that fails verification is refused; the worker keeps the one
 * it has.
 *
 * <p>A chunk whose play fails (an exception from the environment or the model) goes back to the
 * cursor when its lease expires. The worker stops, with the failure logged, when {@code
 * max-play-failures} chunks fail in a row or the same positions fail that many times: such a failure
 * comes back every time, and the engine ends the run on it.
 */
public final class WorkerAgent extends AbstractBehavior<WorkerAgent.Command> {

  // ---- protocol ----

  public interface Command extends CborSerializable {}

  public record GetStatus(ActorRef<Status> replyTo) implements Command {}

  /** Stop playing, finish the chunks in flight and complete every acknowledged position, then answer. */
  public record Drain(ActorRef<Drained> replyTo) implements Command {}

  public record Drained(String workerId) implements CborSerializable {}

  /** Where a worker stands: the version it plays with, groups recorded, reloads, refusals. */
  public record Status(String workerId, long version, long groupsRecorded, long reloads, long refused, boolean finished)
      implements CborSerializable {}

  private record AskLease() implements Command {}

  private record LeaseAnswered(PolicyCursor.LeaseReply reply, Throwable failure) implements Command {}

  private record Played(Chunk chunk, List<EpisodeGroup> groups, List<Reload> reloads, Throwable failure) implements Command {}

  private record InsertAnswered(Chunk chunk, List<EpisodeGroup> groups, Replay.InsertResult result, Throwable failure)
      implements Command {}

  private record CompleteAnswered(List<Durable> done, PolicyCursor.CompleteReply reply, Throwable failure)
      implements Command {}

  private record CompleteDue() implements Command {}

  /** The played part of a chunk that waited for its rest has waited chunk-time: it goes in alone. */
  private record InsertHeld() implements Command {}

  /** Groups played up to the throttle, kept since {@code sinceNanos} to go in with the rest of their chunk. */
  private record Held(Chunk chunk, List<EpisodeGroup> groups, long sinceNanos) {}

  /** A chunk the replay acknowledged at {@code atMillis} (its accepted groups), waiting to be completed. */
  private record Durable(Chunk chunk, List<EpisodeGroup> groups, long atMillis) implements CborSerializable {}

  private record VersionAnnounced(AdapterHub.AdapterPublished published) implements Command {}

  private record StepSkippedHeard(Trainer.StepSkipped skipped) implements Command {}

  private record VersionsAnswered(AdapterHub.Versions versions, Throwable failure) implements Command {}

  private record Loaded(long version, PolicyModel policy, long announcedAtMillis, boolean initial, Throwable failure)
      implements Command {}

  /** Positions {@code [from, to)}, all with {@code action}; a played chunk may have stopped early (see {@link #play}). */
  private record Chunk(long from, long to, PolicyAction action) implements CborSerializable {}

  /** A swap to {@code version}, {@code latencyMillis} after its announcement. */
  private record Reload(long version, long latencyMillis) implements CborSerializable {}

  /** A loaded version waiting for the gap between two groups. */
  private record Pending(PolicyModel policy, long announcedAtMillis) {}

  // ---- behavior ----

  private static final Duration ASK = Duration.ofSeconds(30);

  private final String workerId;
  private final ActorRef<PolicyCursor.Command> cursor;
  private final ActorRef<Replay.Command> replay;
  private final ActorRef<AdapterHub.Command> hub;
  private final ActorRef<Trainer.Command> trainer;
  private final CompiledPolicy schedule;
  private final Task task;
  private final Rollouts rollouts;
  /** Null for a policy without a model. */
  private final AdapterModels models;
  private final Scheduler scheduler;
  private final WorkerSettings settings;
  private final WorkerListener listener;
  private final Clock clock;
  private final TimerScheduler<Command> timers;
  private final Executor blocking;

  private final AtomicReference<Pending> pending = new AtomicReference<>();
  /** Written by the playing thread between groups, read by the actor. */
  private volatile PolicyModel current;
  private long announced = -1;
  private long trainedPosition = -1;
  private long throttledSince;
  private boolean ready;
  private boolean leasing;
  private boolean playing;
  private boolean finished;
  private boolean reportedFinished;
  private int insertsInFlight;
  private final ArrayDeque<Chunk> queue = new ArrayDeque<>();
  private final List<Durable> durable = new ArrayList<>();
  private boolean completing;
  /** The chunk in play was cut where the throttle stopped it (its rest is first in the queue). */
  private boolean playingToTheThrottle;
  private Held held;
  /** Set by {@link Drain}, for good: the worker plays nothing more. */
  private boolean draining;
  private final List<ActorRef<Drained>> drainedWaiters = new ArrayList<>();
  /** Chunks in a row whose play failed. */
  private int playFailuresInARow;
  /** Failures by the first position of the chunk: a lease that expired comes back from the same one. */
  private final Map<Long, Integer> failuresFrom = new HashMap<>();
  private long groupsRecorded;
  private long reloads;
  private long refused;

  private WorkerAgent(ActorContext<Command> context, TimerScheduler<Command> timers, String workerId,
      Parts parts, WorkerSettings settings, WorkerListener listener) {
    super(context);
    this.timers = timers;
    this.workerId = workerId;
    this.cursor = parts.cursor();
    this.replay = parts.replay();
    this.hub = parts.hub();
    this.trainer = parts.trainer();
    this.schedule = parts.schedule();
    this.task = parts.task();
    this.rollouts = parts.rollouts();
    this.models = parts.models();
    this.scheduler = context.getSystem().scheduler();
    this.settings = settings;
    this.listener = listener;
    this.clock = parts.clock();
    this.blocking = context.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig("swarm.blocking-dispatcher"));
    parts.topic().tell(Topic.subscribe(context.messageAdapter(AdapterHub.AdapterPublished.class, VersionAnnounced::new)));
    parts.skips().tell(Topic.subscribe(context.messageAdapter(Trainer.StepSkipped.class, StepSkippedHeard::new)));
    Asks.ask(context, AdapterHub.Versions.class, hub, ASK, AdapterHub.GetVersions::new, VersionsAnswered::new);
  }

  /**
   * What a worker works with: the run's actors, its compiled schedule (to know which positions
   * train), the task, how to roll out, and the node's models of adapter versions, which its workers
   * share (null for a policy without a model). {@code trainer} may be null when nothing trains.
   */
  public record Parts(
      ActorRef<PolicyCursor.Command> cursor,
      ActorRef<Replay.Command> replay,
      ActorRef<AdapterHub.Command> hub,
      ActorRef<Topic.Command<AdapterHub.AdapterPublished>> topic,
      ActorRef<Topic.Command<Trainer.StepSkipped>> skips,
      ActorRef<Trainer.Command> trainer,
      CompiledPolicy schedule,
      Task task,
      Rollouts rollouts,
      AdapterModels models,
      Clock clock) {}

  public static Behavior<Command> create(String workerId, Parts parts, WorkerSettings settings, WorkerListener listener) {
    return Behaviors.setup(context -> Behaviors.withTimers(
        timers -> new WorkerAgent(context, timers, workerId, parts, settings, listener)));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(GetStatus.class, this::onGetStatus)
        .onMessage(Drain.class, this::onDrain)
        .onMessage(CompleteDue.class, this::onCompleteDue)
        .onMessage(InsertHeld.class, this::onInsertHeld)
        .onMessage(VersionsAnswered.class, this::onVersionsAnswered)
        .onMessage(VersionAnnounced.class, this::onVersionAnnounced)
        .onMessage(StepSkippedHeard.class, this::onStepSkipped)
        .onMessage(Loaded.class, this::onLoaded)
        .onMessage(AskLease.class, this::onAskLease)
        .onMessage(LeaseAnswered.class, this::onLeaseAnswered)
        .onMessage(Played.class, this::onPlayed)
        .onMessage(InsertAnswered.class, this::onInsertAnswered)
        .onMessage(CompleteAnswered.class, this::onCompleteAnswered)
        .build();
  }

  private Behavior<Command> onGetStatus(GetStatus get) {
    PolicyModel p = current;
    get.replyTo().tell(new Status(workerId, p == null ? -1 : p.version(), groupsRecorded, reloads, refused, finished));
    return this;
  }

  // ---- adapters ----

  private Behavior<Command> onVersionsAnswered(VersionsAnswered answered) {
    if (answered.failure() != null) {
      getContext().getLog().warn("{}: the adapter hub did not answer ({}); asking again", workerId, answered.failure().getMessage());
      Asks.ask(getContext(), AdapterHub.Versions.class, hub, ASK, AdapterHub.GetVersions::new, VersionsAnswered::new);
      return this;
    }
    trainedPosition = Math.max(trainedPosition, answered.versions().newestTrainedPosition());
    if (announced < 0) { // an announcement may have come first
      load(answered.versions().newestGood(), clock.millis(), true);
    }
    return this;
  }

  /** The trainer will publish no version for that position's step: it is not waited for. */
  private Behavior<Command> onStepSkipped(StepSkippedHeard heard) {
    trainedPosition = Math.max(trainedPosition, heard.skipped().position());
    playNext(); // a throttled worker may go on
    return this;
  }

  private Behavior<Command> onVersionAnnounced(VersionAnnounced announcement) {
    noteTrained(announcement.published().version());
    playNext(); // a throttled worker may go on
    load(announcement.published().version(), announcement.published().announcedAtMillis(), !ready);
    return this;
  }

  /** The newest position a published step was asked for (the trainer publishes it among its metrics). */
  private void noteTrained(AdapterHub.Version version) {
    if (version != null) {
      trainedPosition = Math.max(trainedPosition, version.trainedPosition());
    }
  }

  private void load(AdapterHub.Version version, long announcedAt, boolean initial) {
    long number = version == null ? 0 : version.number();
    announced = number;
    getContext().pipeToSelf(
        CompletableFuture.supplyAsync(() -> policyOf(version), blocking),
        (policy, failure) -> new Loaded(number, policy, announcedAt, initial, failure));
  }

  private PolicyModel policyOf(AdapterHub.Version version) {
    if (models == null) {
      return new PolicyModel(version == null ? 0 : version.number(), version == null ? null : version.sha256(), null);
    }
    if (version == null) {
      return PolicyModel.base(models.base());
    }
    try {
      AdapterFetch.ensureLocal(models.store(), hub, version, scheduler);
      return new PolicyModel(version.number(), version.sha256(), models.model(version.sha256()));
    } catch (Exception e) {
      throw new CompletionException(e);
    }
  }

  private Behavior<Command> onLoaded(Loaded loaded) {
    if (loaded.failure() != null) {
      Throwable cause = Failures.cause(loaded.failure());
      refused++;
      PolicyModel keep = current;
      getContext().getLog().error("{}: adapter version {} refused, keeping version {}: {}", workerId, loaded.version(),
          keep == null ? "none" : keep.version(), cause.getMessage());
      listener.refused(workerId, loaded.version(), cause.getMessage());
      if (!ready && keep == null) {
        // nothing to keep yet: play with the base model rather than not at all
        current = models == null ? new PolicyModel(0, null, null) : PolicyModel.base(models.base());
        becomeReady();
      }
      return this;
    }
    if (loaded.version() != announced) {
      return this; // a newer announcement overtook this one
    }
    if (!ready) {
      current = loaded.policy();
      becomeReady();
    } else if (current == null || current.version() != loaded.version()) {
      if (playing) {
        pending.set(new Pending(loaded.policy(), loaded.announcedAtMillis()));
      } else { // idle: between groups already
        pending.set(null);
        current = loaded.policy();
        reloads++;
        listener.reloaded(workerId, loaded.version(), Math.max(0, clock.millis() - loaded.announcedAtMillis()));
      }
    }
    return this;
  }

  private void becomeReady() {
    ready = true;
    getContext().getLog().info("{}: ready with adapter version {}", workerId, current.version());
    playNext();
  }

  // ---- leases and play ----

  private Behavior<Command> onAskLease(AskLease ask) {
    playNext();
    return this;
  }

  private void askLease() {
    leasing = true;
    Asks.ask(getContext(), PolicyCursor.LeaseReply.class, cursor, ASK,
        replyTo -> new PolicyCursor.Lease(workerId, settings.leaseSize(), replyTo), LeaseAnswered::new);
  }

  private Behavior<Command> onLeaseAnswered(LeaseAnswered answered) {
    leasing = false;
    if (answered.failure() != null) {
      getContext().getLog().warn("{}: the cursor did not answer a lease ({}); asking again", workerId, answered.failure().getMessage());
      timers.startSingleTimer(new AskLease(), Duration.ofSeconds(1));
      return this;
    }
    PolicyCursor.LeaseReply reply = answered.reply();
    if (reply instanceof PolicyCursor.Leased leased) {
      for (var run : leased.runs()) {
        for (long from = run.from(); from < run.to(); from += settings.chunkGroups()) {
          queue.add(new Chunk(from, Math.min(run.to(), from + settings.chunkGroups()), run.action()));
        }
      }
      playNext();
    } else if (reply instanceof PolicyCursor.AllLeased all) {
      timers.startSingleTimer(new AskLease(), Duration.ofMillis(Math.max(10, Math.min(1000, all.retryAfterMillis()))));
    } else if (reply instanceof PolicyCursor.Finished) {
      finished = true;
      completeWhenDue();
      reportFinished();
    } else if (reply instanceof PolicyCursor.LeaseRejected rejected) {
      getContext().getLog().error("{}: lease rejected: {}", workerId, rejected.reason());
      timers.startSingleTimer(new AskLease(), Duration.ofSeconds(1));
    }
    return this;
  }

  private void playNext() {
    if (!ready || playing || finished || draining || insertsInFlight >= settings.insertsInFlight()) {
      return;
    }
    Chunk chunk = queue.poll();
    if (chunk == null) {
      if (!leasing) {
        askLease();
      }
      return;
    }
    long end = allowedEnd(chunk);
    if (end <= chunk.from()) {
      queue.addFirst(chunk);
      // a new version wakes the worker (onVersionAnnounced); this only ends the wait at throttle-timeout
      long waited = clock.millis() - throttledSince;
      timers.startSingleTimer(new AskLease(), Duration.ofMillis(Math.max(1, settings.throttleTimeout().toMillis() - waited)));
      return;
    }
    if (end < chunk.to()) {
      queue.addFirst(new Chunk(end, chunk.to(), chunk.action()));
    }
    playingToTheThrottle = end < chunk.to();
    Chunk allowed = new Chunk(chunk.from(), end, chunk.action());
    playing = true;
    getContext().pipeToSelf(
        CompletableFuture.supplyAsync(() -> play(allowed), blocking),
        (played, failure) -> failure == null ? played : new Played(allowed, List.of(), List.of(), failure));
  }

  /**
   * Where the chunk may be played to without running more than {@code max-steps-ahead} training
   * steps ahead of the newest published one; after {@code throttle-timeout} of waiting, all of it.
   */
  private long allowedEnd(Chunk chunk) {
    if (trainer == null || !settings.throttled()) {
      return chunk.to();
    }
    long from = trainedPosition + 1;
    long end = chunk.from();
    if (end < from) {
      end = chunk.to(); // positions up to the trained one: nothing to wait for
    } else {
      // steps asked for from the trained position on; counted once, then position by position
      long pending = schedule.trainStepsBefore(end) - schedule.trainStepsBefore(from);
      while (end < chunk.to()) {
        if (schedule.trainsAt(end)) {
          pending++;
        }
        if (pending > settings.maxStepsAhead() + 1) {
          break;
        }
        end++;
      }
    }
    long now = clock.millis();
    if (end > chunk.from()) {
      throttledSince = 0;
      return end;
    }
    if (throttledSince == 0) {
      throttledSince = now;
    } else if (now - throttledSince >= settings.throttleTimeout().toMillis()) {
      getContext().getLog().warn("{}: no new adapter version for {} ms; playing on without waiting for training",
          workerId, now - throttledSince);
      throttledSince = 0;
      return chunk.to();
    }
    return chunk.from();
  }

  /**
   * Plays the chunk's positions in order, swapping to a waiting version before a group, stopping
   * early (the rest goes back to the queue) when the chunk's time is up. Runs on the blocking dispatcher.
   */
  private Played play(Chunk chunk) {
    long deadline = System.nanoTime() + settings.chunkTime().toNanos();
    List<EpisodeGroup> groups = new ArrayList<>((int) (chunk.to() - chunk.from()));
    List<Reload> swaps = new ArrayList<>(1);
    for (long p = chunk.from(); p < chunk.to(); p++) {
      Pending next = pending.getAndSet(null);
      if (next != null) {
        current = next.policy();
        swaps.add(new Reload(next.policy().version(), Math.max(0, clock.millis() - next.announcedAtMillis())));
      }
      PolicyModel policy = current;
      List<Episode> episodes = rollouts.play(task, seedOf(p), policy, seedOf(p) ^ 0x5a5a5a5aL);
      groups.add(new EpisodeGroup(groupId(p), p, workerId, policy.version(), episodes,
          Map.of("task", task.name(), "worker", workerId), clock.millis()));
      if (System.nanoTime() > deadline) {
        break;
      }
    }
    return new Played(chunk, groups, swaps, null);
  }

  /** A position's group id: the same whoever plays it, so a re-issued position is never recorded twice. */
  public static String groupId(long position) {
    return "p" + position;
  }

  long seedOf(long position) {
    return seedOf(settings.seed(), position);
  }

  /** The environment seed of a position: the run's seed mixed with it (SplitMix64's finaliser). */
  public static long seedOf(long runSeed, long position) {
    long z = runSeed + 0x9e3779b97f4a7c15L * (position + 1);
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  private Behavior<Command> onPlayed(Played played) {
    playing = false;
    if (played.failure() != null) {
      Throwable cause = Failures.cause(played.failure());
      playFailuresInARow++;
      int here = failuresFrom.merge(played.chunk().from(), 1, Integer::sum);
      int limit = settings.maxPlayFailures();
      if (limit > 0 && (here >= limit || playFailuresInARow >= limit)) {
        // the environment or the model fails the same way each time: playing on would loop forever
        getContext().getLog().error("{}: stopping (swarm.workers.max-play-failures = {}): {}; the last failure, playing positions {}..{}:",
            workerId, limit, here >= limit ? "positions from " + played.chunk().from() + " failed to play " + here + " times"
                : playFailuresInARow + " chunks in a row failed to play",
            played.chunk().from(), played.chunk().to(), cause);
        return Behaviors.stopped();
      }
      getContext().getLog().error("{}: playing positions {}..{} failed; they go back to the cursor on lease expiry",
          workerId, played.chunk().from(), played.chunk().to(), cause);
      timers.startSingleTimer(new AskLease(), Duration.ofSeconds(1));
      queue.clear();
      insertHeld();
      answerDrained();
      return this;
    }
    playFailuresInARow = 0;
    Chunk asked = played.chunk();
    Chunk done = new Chunk(asked.from(), asked.from() + played.groups().size(), asked.action());
    for (Reload r : played.reloads()) {
      reloads++;
      getContext().getLog().debug("{}: now on version {} ({} ms after its announcement)", workerId, r.version(), r.latencyMillis());
      listener.reloaded(workerId, r.version(), r.latencyMillis());
    }
    boolean toTheThrottle = playingToTheThrottle && done.to() == asked.to();
    if (done.to() < asked.to()) { // the part not played for lack of time goes first next
      queue.addFirst(new Chunk(done.to(), asked.to(), asked.action()));
    }
    List<EpisodeGroup> groups = played.groups();
    long heldSince = System.nanoTime();
    if (held != null && held.chunk().to() == done.from() && held.chunk().action().equals(done.action())) {
      groups = new ArrayList<>(held.groups());
      groups.addAll(played.groups());
      done = new Chunk(held.chunk().from(), done.to(), done.action());
      heldSince = held.sinceNanos();
      held = null;
      timers.cancel(new InsertHeld());
    } else {
      insertHeld();
    }
    long holdLeft = settings.chunkTime().toNanos() - (System.nanoTime() - heldSince);
    if (toTheThrottle && trainPositions(done).isEmpty() && !draining && holdLeft > 0) {
      // Nothing here calls for a step, so nobody waits for these groups before the rest of the
      // chunk is played: they go in with it, one journal write instead of two, or after chunk-time.
      held = new Held(done, groups, heldSince);
      timers.startSingleTimer(new InsertHeld(), Duration.ofNanos(holdLeft));
    } else {
      insert(done, groups);
    }
    playNext();
    return this;
  }

  private Behavior<Command> onInsertHeld(InsertHeld due) {
    insertHeld();
    return this;
  }

  private void insertHeld() {
    if (held != null) {
      timers.cancel(new InsertHeld());
      Held h = held;
      held = null;
      insert(h.chunk(), h.groups());
    }
  }

  private void insert(Chunk chunk, List<EpisodeGroup> groups) {
    insertsInFlight++;
    Asks.ask(getContext(), Replay.InsertResult.class, replay, ASK,
        replyTo -> new Replay.Insert(groups, replyTo),
        (result, failure) -> new InsertAnswered(chunk, groups, result, failure));
  }

  private Behavior<Command> onInsertAnswered(InsertAnswered answered) {
    insertsInFlight--;
    if (answered.failure() != null) {
      getContext().getLog().warn("{}: insert of positions {}..{} not acknowledged ({}); sending it again", workerId,
          answered.chunk().from(), answered.chunk().to(), answered.failure().getMessage());
      insert(answered.chunk(), answered.groups());
      return this;
    }
    Replay.InsertResult result = answered.result();
    for (Replay.Rejection r : result.rejected()) {
      getContext().getLog().error("{}: the replay refused group {}", workerId, r.describe());
    }
    if (!result.rejected().isEmpty()) {
      listener.rejected(workerId, result.rejected());
    }
    // a duplicate was recorded before (a position played again after a restart): only new groups are reported
    Set<String> accepted = Set.copyOf(result.accepted());
    List<EpisodeGroup> recorded = new ArrayList<>(accepted.size());
    for (EpisodeGroup g : answered.groups()) {
      if (accepted.contains(g.id())) {
        recorded.add(g);
      }
    }
    durable.add(new Durable(answered.chunk(), recorded, clock.millis()));
    requestTraining(answered.chunk());
    playNext();
    completeWhenDue();
    return this;
  }

  private Behavior<Command> onCompleteDue(CompleteDue due) {
    completeWhenDue();
    return this;
  }

  /**
   * Completes the acknowledged positions (the first contiguous run of them) when the oldest has
   * waited {@code complete-every}, when every leased position is played and acknowledged, or when draining;
   * otherwise sets a timer for when it will be due.
   */
  private void completeWhenDue() {
    if (completing || durable.isEmpty()) {
      return;
    }
    long waited = clock.millis() - durable.get(0).atMillis();
    long left = settings.completeEvery().toMillis() - waited;
    boolean leaseDone = queue.isEmpty() && !playing && held == null && insertsInFlight == 0;
    if (left > 0 && !leaseDone && !finished && !draining) {
      timers.startSingleTimer(new CompleteDue(), Duration.ofMillis(left));
      return;
    }
    durable.sort(Comparator.comparingLong(d -> d.chunk().from()));
    List<Durable> run = new ArrayList<>();
    for (Durable d : durable) {
      if (!run.isEmpty() && d.chunk().from() != run.get(run.size() - 1).chunk().to()) {
        break;
      }
      run.add(d);
    }
    complete(run);
  }

  private void complete(List<Durable> run) {
    completing = true;
    long from = run.get(0).chunk().from();
    long to = run.get(run.size() - 1).chunk().to();
    Asks.ask(getContext(), PolicyCursor.CompleteReply.class, cursor, ASK,
        replyTo -> new PolicyCursor.Complete(workerId, from, to, replyTo),
        (reply, failure) -> new CompleteAnswered(run, reply, failure));
  }

  private Behavior<Command> onCompleteAnswered(CompleteAnswered answered) {
    completing = false;
    List<Durable> done = answered.done();
    long from = done.get(0).chunk().from();
    long to = done.get(done.size() - 1).chunk().to();
    if (answered.failure() != null) {
      getContext().getLog().warn("{}: completion of {}..{} not acknowledged ({}); sending it again", workerId, from, to,
          answered.failure().getMessage());
      complete(done);
      return this;
    }
    if (answered.reply() instanceof PolicyCursor.CompleteRejected rejected) {
      getContext().getLog().warn("{}: completion of {}..{} rejected: {}", workerId, from, to, rejected.reason());
    }
    durable.removeAll(done);
    for (Durable d : done) {
      groupsRecorded += d.groups().size();
      listener.recorded(workerId, d.groups());
    }
    completeWhenDue();
    playNext();
    reportFinished();
    answerDrained();
    return this;
  }

  /** Once the cursor has nothing left and this worker's last groups are durable and completed. */
  private void reportFinished() {
    if (finished && !reportedFinished && idle()) {
      reportedFinished = true;
      getContext().getLog().info("{}: the run has no positions left", workerId);
      listener.finished(workerId);
    }
  }

  /** Nothing played, inserted or completed is in flight, and nothing acknowledged waits for completion. */
  private boolean idle() {
    return insertsInFlight == 0 && !playing && held == null && durable.isEmpty() && !completing;
  }

  private Behavior<Command> onDrain(Drain drain) {
    draining = true;
    drainedWaiters.add(drain.replyTo());
    insertHeld();
    completeWhenDue();
    answerDrained();
    return this;
  }

  private void answerDrained() {
    if (!drainedWaiters.isEmpty() && idle()) {
      drainedWaiters.forEach(w -> w.tell(new Drained(workerId)));
      drainedWaiters.clear();
    }
  }

  /** Every stride-th position of a train segment asks the trainer for a step. */
  private void requestTraining(Chunk c) {
    for (long p : trainPositions(c)) {
      trainer.tell(new Trainer.TrainRequest(p, (PolicyAction.Train) c.action()));
    }
  }

  /** The chunk's positions that ask the trainer for a step (none when nothing trains here). */
  private List<Long> trainPositions(Chunk c) {
    if (trainer == null || !(c.action() instanceof PolicyAction.Train)) {
      return List.of();
    }
    List<Long> positions = new ArrayList<>(1);
    for (long p = c.from(); p < c.to(); p++) {
      if (schedule.trainsAt(p)) {
        positions.add(p);
      }
    }
    return positions;
  }
}
