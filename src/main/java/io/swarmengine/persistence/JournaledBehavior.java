package io.swarmengine.persistence;

import akka.actor.typed.Behavior;
import akka.actor.typed.SupervisorStrategy;
import akka.actor.typed.TypedActorContext;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import java.time.Duration;

/**
 * What the engine's event-sourced actors (cursor, replay, adapter hub) share: a journal failure
 * restarts the actor with backoff (it recovers from the journal), and persisted events are not
 * published on the actor system's event stream. Akka 2.6 publishes every persisted event there for
 * Replicated Event Sourcing, one more message and class-indexed lookup per journal write that
 * nothing in the engine listens to. The switch, {@code withEventPublishing}, is the Scala DSL's
 * {@code private[akka]} method (public in bytecode; Akka 2.6.21 is pinned in the pom), and
 * JournaledBehaviorTest fails if it stops working.
 */
public abstract class JournaledBehavior<Command, Event, State>
    extends EventSourcedBehaviorWithEnforcedReplies<Command, Event, State> {

  protected JournaledBehavior(PersistenceId persistenceId) {
    super(persistenceId, SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.2));
  }

  @Override
  public Behavior<Command> apply(TypedActorContext<Command> context) {
    // what EventSourcedBehavior.apply returns, with publishing off (the Scala DSL's trait is a Behavior)
    return (Behavior<Command>) createEventSourcedBehavior().withEventPublishing(false);
  }
}
