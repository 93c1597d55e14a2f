package io.swarmengine.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class PartsWatchTest {
  static final ActorTestKit testKit =
      ActorTestKit.create(ConfigFactory.parseString("akka.actor.serialize-messages = on").withFallback(ConfigFactory.load()));

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  /** A part that runs until it is told to stop. */
  private static Behavior<String> part() {
    return Behaviors.receiveMessage(message -> Behaviors.stopped());
  }

  @Test
  void theFirstPartToStopIsReportedOnce() {
    ActorRef<String> replay = testKit.spawn(part(), "replay");
    ActorRef<String> trainer = testKit.spawn(part(), "trainer");
    Map<String, ActorRef<?>> parts = new LinkedHashMap<>();
    parts.put("replay", replay);
    parts.put("trainer", trainer);
    TestProbe<String> stopped = testKit.createTestProbe();
    ActorRef<PartsWatch.Command> watch = testKit.spawn(PartsWatch.create(parts, name -> stopped.getRef().tell(name)));
    stopped.expectNoMessage(Duration.ofMillis(100));

    trainer.tell("stop");
    assertEquals("trainer", stopped.receiveMessage());
    stopped.expectTerminated(watch);
    replay.tell("stop"); // the run is over already: nothing more to report
    stopped.expectNoMessage(Duration.ofMillis(200));
  }
}
