package io.swarmengine;

/**
 * Marker for every message, event and snapshot that crosses an actor or journal boundary: they are
 * bound to Akka's Jackson CBOR serializer in {@code reference.conf}, so the same code runs in one JVM
 * (with {@code akka.actor.serialize-messages = on} in tests) and across a cluster.
 */
public interface CborSerializable {}
