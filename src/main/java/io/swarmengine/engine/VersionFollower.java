package io.swarmengine.engine;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.DispatcherSelector;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.pubsub.Topic;
import io.swarmengine.CborSerializable;
import io.swarmengine.adapter.AdapterHub;
import io.swarmengine.concurrent.Asks;
import io.swarmengine.concurrent.Failures;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * Keeps the embedding application's {@link Policy} on the newest good adapter and tells its
 * listeners about each version it moves to: subscribes to the hub's topic, loads and verifies
 * announced versions off the actor's thread, one at a time. Versions announced while a load runs
 * wait in one slot, the newest replacing the older: the policy skips to it rather than loading
 * each in turn.
 */
final class VersionFollower extends AbstractBehavior<VersionFollower.Command> {

  interface Command extends CborSerializable {}

  private record Announced(AdapterHub.AdapterPublished published) implements Command {}

  private record Initial(AdapterHub.Versions versions, Throwable failure) implements Command {}

  private record Used(AdapterHub.Version version, Throwable failure) implements Command {}

  private final Policy policy;
  private final ActorRef<AdapterHub.Command> hub;
  private final List<Consumer<AdapterHub.Version>> listeners;
  private final Executor blocking;
  /** The version to load next (null: the base model), when {@code waiting}. */
  private AdapterHub.Version next;
  private boolean waiting;
  private boolean loading;
  /** Whether the topic has announced a version: announcements are newer than the hub's first answer. */
  private boolean announced;

  private VersionFollower(ActorContext<Command> context, Policy policy, CopyOnWriteArrayList<Consumer<AdapterHub.Version>> listeners,
      ActorRef<AdapterHub.Command> hub, ActorRef<Topic.Command<AdapterHub.AdapterPublished>> topic) {
    super(context);
    this.policy = policy;
    this.listeners = listeners;
    this.blocking = context.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig("swarm.blocking-dispatcher"));
    this.hub = hub;
    topic.tell(Topic.subscribe(context.messageAdapter(AdapterHub.AdapterPublished.class, Announced::new)));
    askHub();
  }

  private void askHub() {
    Asks.ask(getContext(), AdapterHub.Versions.class, hub, Duration.ofSeconds(30), AdapterHub.GetVersions::new, Initial::new);
  }

  static Behavior<Command> create(Policy policy, CopyOnWriteArrayList<Consumer<AdapterHub.Version>> listeners,
      ActorRef<AdapterHub.Command> hub, ActorRef<Topic.Command<AdapterHub.AdapterPublished>> topic) {
    return Behaviors.setup(context -> new VersionFollower(context, policy, listeners, hub, topic));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Announced.class, this::onAnnounced)
        .onMessage(Initial.class, this::onInitial)
        .onMessage(Used.class, this::onUsed)
        .build();
  }

  private Behavior<Command> onAnnounced(Announced announcement) {
    announced = true;
    return enqueue(announcement.published().version());
  }

  /** The hub's newest good version, unless an announcement overtook the answer (it may be a rollback's, lower). */
  private Behavior<Command> onInitial(Initial initial) {
    if (initial.failure() != null) {
      getContext().getLog().warn("the adapter hub did not answer ({}); asking again", initial.failure().getMessage());
      askHub();
      return this;
    }
    if (!announced && initial.versions().newestGood() != null) {
      return enqueue(initial.versions().newestGood());
    }
    return this;
  }

  private Behavior<Command> enqueue(AdapterHub.Version version) {
    next = version;
    waiting = true;
    return loadNext();
  }

  private Behavior<Command> loadNext() {
    if (loading || !waiting) {
      return this;
    }
    loading = true;
    waiting = false;
    AdapterHub.Version version = next;
    getContext().pipeToSelf(CompletableFuture.runAsync(() -> {
      try {
        policy.use(version);
      } catch (Exception e) {
        throw new CompletionException(e);
      }
    }, blocking), (ok, failure) -> new Used(version, failure));
    return this;
  }

  private Behavior<Command> onUsed(Used used) {
    loading = false;
    if (used.failure() != null) {
      getContext().getLog().error("the application's policy refused adapter version {} and keeps version {}: {}",
          used.version() == null ? 0 : used.version().number(), policy.version(),
          Failures.cause(used.failure()).getMessage());
    } else {
      for (Consumer<AdapterHub.Version> listener : listeners) {
        try {
          listener.accept(used.version());
        } catch (RuntimeException e) {
          getContext().getLog().warn("a version listener failed: {}", e.toString());
        }
      }
    }
    return loadNext();
  }
}
