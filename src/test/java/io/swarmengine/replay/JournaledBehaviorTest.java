package io.swarmengine.replay;

import static io.swarmengine.replay.TestGroups.group;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.actor.typed.eventstream.EventStream;
import akka.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import akka.persistence.typed.PublishedEvent;
import com.typesafe.config.ConfigFactory;
import io.swarmengine.CborSerializable;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The engine's event-sourced actors ({@link io.swarmengine.persistence.JournaledBehavior}, here the replay) persist without publishing each event on the event stream. */
class JournaledBehaviorTest {
  static final ActorTestKit testKit =
      ActorTestKit.create(EventSourcedBehaviorTestKit.config().withFallback(ConfigFactory.load()));

  record Marker(int n) implements CborSerializable {}

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @Test
  void persistedEventsAreNotPublished() {
    TestProbe<Object> stream = testKit.createTestProbe();
    ActorRef<EventStream.Command> eventStream = testKit.system().eventStream();
    eventStream.tell(new EventStream.Subscribe<>(PublishedEvent.class, stream.getRef().narrow()));
    eventStream.tell(new EventStream.Subscribe<>(Marker.class, stream.getRef().narrow()));
    eventStream.tell(new EventStream.Publish<>(new Marker(1)));
    stream.expectMessage(new Marker(1)); // both subscriptions are in place

    ActorRef<Replay.Command> replay =
        testKit.spawn(Replay.create(ReplayTest.settings(10, RateLimiter.minSize(1), 100), 7));
    TestProbe<Replay.InsertResult> acks = testKit.createTestProbe();
    replay.tell(new Replay.Insert(List.of(group("g", 0, 1, 0)), acks.getRef()));
    acks.expectMessageClass(Replay.InsertResult.class);
    // Akka would have published the event before the acknowledgement went out; the marker sent
    // after it is the next thing on the stream only if nothing was published
    eventStream.tell(new EventStream.Publish<>(new Marker(2)));
    stream.expectMessage(new Marker(2));
  }
}
