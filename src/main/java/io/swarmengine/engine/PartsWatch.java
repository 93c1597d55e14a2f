package io.swarmengine.engine;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import io.swarmengine.CborSerializable;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Watches the actors a run cannot go on without (cursor, replay, adapter hub, trainer) and tells
 * {@code onStopped} the name of the first that stops. Each of them stops only on a failure it has
 * logged (a journal that keeps refusing writes, an adapter the trainer cannot load): without this
 * watch, workers would play on against a dead part, waiting out timeouts at every step.
 */
final class PartsWatch extends AbstractBehavior<PartsWatch.Command> {

  interface Command extends CborSerializable {}

  private record Stopped(String part) implements Command {}

  private final Consumer<String> onStopped;

  static Behavior<Command> create(Map<String, ActorRef<?>> parts, Consumer<String> onStopped) {
    return Behaviors.setup(context -> new PartsWatch(context, parts, onStopped));
  }

  private PartsWatch(ActorContext<Command> context, Map<String, ActorRef<?>> parts, Consumer<String> onStopped) {
    super(context);
    this.onStopped = onStopped;
    parts.forEach((name, ref) -> context.watchWith(ref, new Stopped(name)));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder().onMessage(Stopped.class, this::onStopped).build();
  }

  private Behavior<Command> onStopped(Stopped stopped) {
    onStopped.accept(stopped.part());
    return Behaviors.stopped(); // the run is over: the first part to stop is the one to report
  }
}
