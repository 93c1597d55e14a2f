package io.swarmengine.replay;

import io.swarmengine.CborSerializable;

/**
 * Names the copy of an item that a sample returned: its id and the insert sequence of that copy.
 * A priority update for a key whose copy was evicted or replaced is dropped (the RLlib bug
 * ray#6534 wrote such updates into whatever item occupied the slot by then).
 */
public record SampleKey(String id, long insertSeq) implements CborSerializable {}
