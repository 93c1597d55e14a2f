package io.swarmengine.persistence;

import io.swarmengine.CborSerializable;

/** An event-sourced actor's answer to a batch of commands: all journaled in one write, all answered. */
public record BatchWritten(int commands) implements CborSerializable {}
