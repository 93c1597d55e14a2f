package io.swarmengine.policy;

/** A policy spec that cannot be parsed or compiled; the message names the offending part. */
public final class PolicyException extends Exception {
  public PolicyException(String message) {
    super(message);
  }
}
