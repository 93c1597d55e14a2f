package io.swarmengine.cursor;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.RecoveryCompleted;
import akka.persistence.typed.javadsl.CommandHandlerWithReply;
import akka.persistence.typed.javadsl.EffectBuilder;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.ReplyEffect;
import akka.persistence.typed.javadsl.RetentionCriteria;
import akka.persistence.typed.javadsl.SignalHandler;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.swarmengine.CborSerializable;
import io.swarmengine.persistence.BatchWritten;
import io.swarmengine.persistence.GroupCommit;
import io.swarmengine.persistence.JournaledBehavior;
import io.swarmengine.policy.CompiledPolicy;
import io.swarmengine.policy.PolicyException;
import io.swarmengine.policy.PolicySpec;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The policy cursor: hands out positions of the run, as runs of equal actions of the schedule, to
 * the workers that ask, and records which positions are done.
 *
 * <p>Positions below the frontier have all been handed out once. A lease not completed before it
 * expires is handed to the next worker that asks, lowest positions first; a completed position is
 * never handed out again. Leases and completions are journaled before they are answered, so a
 * restarted cursor (or one that moved to another node) continues exactly where it was. When the
 * run's spec or total changes between two starts, the new schedule applies from then on and the
 * completed positions stay completed.
 *
 * <p>Each command is one journal write. Under load, use {@link #batched}: a {@link GroupCommit}
 * in front groups every lease and completion that arrive during one write into the next write.
 */
public final class PolicyCursor
    extends JournaledBehavior<
        PolicyCursor.Command, PolicyCursor.Event, CursorState> {

  private static final Logger LOG = LoggerFactory.getLogger(PolicyCursor.class);

  // ---- protocol ----

  /** Names the commands a {@link Batch} may carry, so the batch can cross the wire. */
  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
  @JsonSubTypes({
    @JsonSubTypes.Type(value = Lease.class, name = "lease"),
    @JsonSubTypes.Type(value = Complete.class, name = "complete"),
    @JsonSubTypes.Type(value = GetProgress.class, name = "progress"),
    @JsonSubTypes.Type(value = ExpireLeases.class, name = "expire-leases"),
    @JsonSubTypes.Type(value = Batch.class, name = "batch")
  })
  public interface Command extends CborSerializable {}

  /** Asks for the next up-to-{@code max} positions (at most {@code swarm.cursor.max-lease}). */
  public record Lease(String workerId, int max, ActorRef<LeaseReply> replyTo) implements Command {}

  /** Marks {@code [from, to)} done; positions must have been handed out. */
  public record Complete(String workerId, long from, long to, ActorRef<CompleteReply> replyTo)
      implements Command {}

  public record GetProgress(ActorRef<Progress> replyTo) implements Command {}

  /**
   * Expires now the open leases of {@code workerIds}, whose positions go to the next worker that
   * asks: what an engine restarted on the run's folder says of its own workers' leases from before
   * (they died with the process; waiting out {@code lease-timeout} would stall the resumed run).
   */
  public record ExpireLeases(List<String> workerIds, ActorRef<LeasesExpired> replyTo) implements Command {}

  /** Several commands in one journal write; {@code replyTo} hears when they are all answered. */
  public record Batch(List<Command> commands, ActorRef<BatchWritten> replyTo) implements Command {}

  public sealed interface LeaseReply extends CborSerializable {}

  /** The positions leased, as maximal runs of equal actions; due back by {@code expiresAtMillis}. */
  public record Leased(long leaseId, List<CompiledPolicy.Run> runs, long expiresAtMillis)
      implements LeaseReply {
    public long positions() {
      long n = 0;
      for (CompiledPolicy.Run run : runs) {
        n += run.length();
      }
      return n;
    }
  }

  /** Every position is handed out but not all are done: ask again after {@code retryAfterMillis}. */
  public record AllLeased(long retryAfterMillis) implements LeaseReply {}

  /** Every position of the run's total is done. */
  public record Finished(long total) implements LeaseReply {}

  public record LeaseRejected(String reason) implements LeaseReply {}

  public sealed interface CompleteReply extends CborSerializable {}

  /** Durably recorded; {@code newlyCompleted} of the positions were not done before. */
  public record Completed(long from, long to, long newlyCompleted) implements CompleteReply {}

  public record CompleteRejected(String reason) implements CompleteReply {}

  public record Progress(
      String spec,
      Long total,
      long nextPosition,
      long completedPositions,
      long firstIncomplete,
      int openLeases,
      boolean finished)
      implements CborSerializable {}

  // ---- events ----

  public interface Event extends CborSerializable {}

  /** The run's schedule (canonical spec) and total, recorded when first run or when changed. */
  public record ScheduleSet(String spec, Long total) implements Event {}

  /** Completions, then grants, as decided in one command or batch. */
  public record Progressed(List<Completion> completions, List<Grant> grants) implements Event {}

  public record Completion(String workerId, long from, long to) implements CborSerializable {}

  /** The open leases of {@code workerIds} expired at {@code atMillis}; {@code leases} of them were open. */
  public record LeasesExpired(List<String> workerIds, long atMillis, int leases) implements Event {}

  public record Grant(long leaseId, String workerId, List<PositionRange> ranges, long expiresAtMillis)
      implements CborSerializable {}

  // ---- behavior ----

  private final String spec;
  private final Long total;
  private final CompiledPolicy policy;
  private final CursorSettings settings;
  private final Clock clock;

  private PolicyCursor(
      PersistenceId id, PolicySpec spec, Long total, CursorSettings settings, Clock clock)
      throws PolicyException {
    super(id);
    this.spec = spec.canonical();
    this.total = total;
    this.policy = spec.compile(total);
    this.settings = settings;
    this.clock = clock;
  }

  /**
   * The journaled cursor for {@code spec} over {@code total} positions ({@code null}: unbounded).
   *
   * @throws PolicyException when the spec does not compile against the total
   */
  public static Behavior<Command> create(
      PolicySpec spec, Long total, CursorSettings settings, Clock clock) throws PolicyException {
    return new PolicyCursor(
        PersistenceId.ofUniqueId(settings.persistenceId()), spec, total, settings, clock);
  }

  /** The cursor behind a {@link GroupCommit} of its leases and completions: the form to use under load. */
  public static Behavior<Command> batched(
      PolicySpec spec, Long total, CursorSettings settings, Clock clock) throws PolicyException {
    Behavior<Command> journaled = create(spec, total, settings, clock);
    return Behaviors.setup(
        context ->
            GroupCommit.create(
                context.spawn(journaled, "journaled"),
                Command.class,
                command -> command instanceof Lease || command instanceof Complete,
                Batch::new,
                settings.maxBatch(),
                Duration.ofSeconds(30)));
  }

  @Override
  public CursorState emptyState() {
    return CursorState.empty();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(settings.snapshotEvery(), settings.keepSnapshots())
        .withDeleteEventsOnSnapshot();
  }

  @Override
  public SignalHandler<CursorState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(
            RecoveryCompleted.instance(),
            state ->
                LOG.info(
                    "policy cursor ready: next position {}, {} completed, {} open leases",
                    state.frontier(),
                    state.completedCount(),
                    state.leases().size()))
        .build();
  }

  @Override
  public CommandHandlerWithReply<Command, Event, CursorState> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Lease.class, this::onLease)
        .onCommand(Complete.class, this::onComplete)
        .onCommand(GetProgress.class, this::onGetProgress)
        .onCommand(ExpireLeases.class, this::onExpireLeases)
        .onCommand(Batch.class, this::onBatch)
        .build();
  }

  private ReplyEffect<Event, CursorState> onLease(CursorState state, Lease command) {
    Decision decision = new Decision(state);
    LeaseReply reply = decision.lease(command, clock.millis());
    return decision.effect().thenReply(command.replyTo(), s -> reply);
  }

  private ReplyEffect<Event, CursorState> onComplete(CursorState state, Complete command) {
    Decision decision = new Decision(state);
    CompleteReply reply = decision.complete(command);
    return decision.effect().thenReply(command.replyTo(), s -> reply);
  }

  private ReplyEffect<Event, CursorState> onExpireLeases(CursorState state, ExpireLeases command) {
    long now = clock.millis();
    int open = state.openLeasesOf(Set.copyOf(command.workerIds()), now);
    LeasesExpired event = new LeasesExpired(List.copyOf(command.workerIds()), now, open);
    if (open == 0) {
      return Effect().reply(command.replyTo(), event);
    }
    LOG.info("expiring {} open leases of {} from before the restart", open, command.workerIds());
    return Effect().persist(event).thenReply(command.replyTo(), s -> event);
  }

  /** Reports the schedule this cursor runs, even before a changed one is journaled. */
  private ReplyEffect<Event, CursorState> onGetProgress(CursorState state, GetProgress command) {
    return Effect().reply(command.replyTo(), progressOf(state.withSchedule(spec, total)));
  }

  /**
   * Decides a whole batch in one write: completions first (any order of concurrent requests is a
   * valid one, and this one frees positions before they would be leased), then leases, then reads.
   */
  private ReplyEffect<Event, CursorState> onBatch(CursorState state, Batch batch) {
    Decision decision = new Decision(state);
    long now = clock.millis();
    List<Runnable> replies = new ArrayList<>(batch.commands().size());
    for (Command c : batch.commands()) {
      if (c instanceof Complete complete) {
        CompleteReply reply = decision.complete(complete);
        replies.add(() -> complete.replyTo().tell(reply));
      }
    }
    for (Command c : batch.commands()) {
      if (c instanceof Lease lease) {
        LeaseReply reply = decision.lease(lease, now);
        replies.add(() -> lease.replyTo().tell(reply));
      }
    }
    for (Command c : batch.commands()) {
      if (c instanceof GetProgress get) {
        Progress progress = decision.progress();
        replies.add(() -> get.replyTo().tell(progress));
      } else if (c instanceof Batch nested) {
        LOG.warn("ignoring a nested batch of {} commands", nested.commands().size());
      }
    }
    return decision
        .effect()
        .thenRun(s -> replies.forEach(Runnable::run))
        .thenReply(batch.replyTo(), s -> new BatchWritten(batch.commands().size()));
  }

  private static Progress progressOf(CursorState s) {
    return new Progress(
        s.spec(),
        s.total(),
        s.frontier(),
        s.completedCount(),
        s.firstIncomplete(),
        s.leases().size(),
        s.finished());
  }

  /** The events of one command or batch, decided against a working state that advances with them. */
  private final class Decision {
    private final CursorState.Builder state;
    private final boolean scheduleChanged;
    private final List<Completion> completions = new ArrayList<>();
    private final List<Grant> grants = new ArrayList<>();

    Decision(CursorState current) {
      scheduleChanged = !current.runs(spec, total);
      if (scheduleChanged && current.spec() != null) {
        LOG.info(
            "policy cursor schedule changed from {} (total {}) to {} (total {})",
            current.spec(),
            current.total(),
            spec,
            total);
      }
      state = new CursorState.Builder(scheduleChanged ? current.withSchedule(spec, total) : current);
    }

    LeaseReply lease(Lease command, long now) {
      if (command.max() < 1) {
        return new LeaseRejected("lease size must be >= 1, got " + command.max());
      }
      if (command.workerId() == null || command.workerId().isBlank()) {
        return new LeaseRejected("a lease needs a worker id");
      }
      if (state.finished()) {
        return new Finished(total);
      }
      List<PositionRange> ranges =
          state.planLease(Math.min(command.max(), settings.maxLease()), now);
      if (ranges.isEmpty()) {
        return new AllLeased(Math.max(1, state.nextExpiry() - now));
      }
      Grant grant =
          new Grant(
              state.nextLeaseId(),
              command.workerId(),
              ranges,
              now + settings.leaseTimeout().toMillis());
      grants.add(grant);
      state.grant(grant);
      List<CompiledPolicy.Run> runs = new ArrayList<>();
      for (PositionRange r : ranges) {
        runs.addAll(policy.runs(r.from(), r.to()));
      }
      return new Leased(grant.leaseId(), runs, grant.expiresAtMillis());
    }

    CompleteReply complete(Complete command) {
      long from = command.from();
      long to = command.to();
      if (from < 0 || to <= from) {
        return new CompleteRejected("empty or negative range [" + from + ", " + to + ")");
      }
      if (to > state.frontier()) {
        return new CompleteRejected(
            "positions ["
                + Math.max(from, state.frontier())
                + ", "
                + to
                + ") were never leased (next position is "
                + state.frontier()
                + ")");
      }
      long newly = (to - from) - PositionRange.overlap(state.completed(), from, to);
      if (newly > 0) {
        completions.add(new Completion(command.workerId(), from, to));
        state.complete(from, to);
      }
      return new Completed(from, to, newly);
    }

    Progress progress() {
      return progressOf(state.build());
    }

    EffectBuilder<Event, CursorState> effect() {
      List<Event> events = new ArrayList<>(2);
      if (scheduleChanged) {
        events.add(new ScheduleSet(spec, total));
      }
      if (!completions.isEmpty() || !grants.isEmpty()) {
        events.add(new Progressed(completions, grants));
      }
      return events.isEmpty() ? Effect().none() : Effect().persist(events);
    }
  }

  @Override
  public EventHandler<CursorState, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(ScheduleSet.class, (state, event) -> state.withSchedule(event.spec(), event.total()))
        .onEvent(Progressed.class, CursorState::apply)
        .onEvent(LeasesExpired.class, (state, event) -> state.expire(Set.copyOf(event.workerIds()), event.atMillis()))
        .build();
  }
}
