package io.swarmengine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.serialization.Serialization;
import akka.serialization.SerializationExtension;
import akka.serialization.Serializers;
import io.swarmengine.cursor.CursorState;
import io.swarmengine.cursor.PolicyCursor;
import io.swarmengine.cursor.PositionRange;
import io.swarmengine.policy.CompiledPolicy;
import io.swarmengine.policy.PolicyAction;
import io.swarmengine.policy.PolicySpec;
import io.swarmengine.policy.TrainScope;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Messages, events and snapshots round-trip through jackson-cbor with the aligned Jackson 2.18. */
class SerializationTest {
  static final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private static Object roundTrip(Object value) {
    Serialization serialization = SerializationExtension.get(testKit.system());
    akka.serialization.Serializer serializer = serialization.findSerializerFor(value);
    assertEquals("JacksonCborSerializer", serializer.getClass().getSimpleName());
    byte[] bytes = serialization.serialize(value).get();
    String manifest = Serializers.manifestFor(serializer, value);
    return serialization.deserialize(bytes, serializer.identifier(), manifest).get();
  }

  @Test
  void recordsWithActorRefsRoundTrip() throws Exception {
    TestProbe<PolicyCursor.LeaseReply> probe = testKit.createTestProbe();
    ActorRef<PolicyCursor.LeaseReply> ref = probe.getRef();
    PolicyCursor.Lease lease = new PolicyCursor.Lease("worker-1", 64, ref);
    assertEquals(lease, roundTrip(lease));
  }

  @Test
  void actionsRunsEventsAndStateRoundTrip() throws Exception {
    PolicySpec spec =
        PolicySpec.parse(
            "schedule=0..10:infer|10..20:train(scope=attn+ffn,opt=adam,lr=3e-4,stride=8,clip=1.0)",
            TrainScope.GPT2_SCOPES);
    List<CompiledPolicy.Run> runs = spec.compile(null).runs(0, 30);
    PolicyCursor.Leased leased = new PolicyCursor.Leased(7, runs, 12345L);
    assertEquals(leased, roundTrip(leased));
    PolicyAction train = runs.get(1).action();
    assertEquals(train, roundTrip(train));

    PolicyCursor.Progressed event =
        new PolicyCursor.Progressed(
            List.of(new PolicyCursor.Completion("w", 0, 5)),
            List.of(new PolicyCursor.Grant(3, "w", List.of(new PositionRange(5, 9)), 99L)));
    assertEquals(event, roundTrip(event));
    CursorState state =
        new CursorState(
            spec.canonical(),
            null,
            9,
            List.of(new PositionRange(0, 5)),
            List.of(new CursorState.OpenLease(3, "w", List.of(new PositionRange(5, 9)), 99L)),
            4);
    assertEquals(state, roundTrip(state));
  }
}
