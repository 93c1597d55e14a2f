package io.swarmengine.policy;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** The optimizer a train action asks for: SGD with momentum, or Adam with momentum as beta1. */
public enum OptimizerKind {
  SGD,
  ADAM;

  /** The spec's spelling, also used in JSON. */
  @JsonValue
  public String specName() {
    return name().toLowerCase(Locale.ROOT);
  }

  static OptimizerKind parse(String value) throws PolicyException {
    String v = SpecText.lower(value);
    switch (v) {
      case "sgd":
        return SGD;
      case "adam":
        return ADAM;
      default:
        throw new PolicyException("unknown optimizer '" + v + "', expected sgd or adam");
    }
  }
}
