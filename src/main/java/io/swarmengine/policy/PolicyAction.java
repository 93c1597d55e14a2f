package io.swarmengine.policy;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.swarmengine.CborSerializable;
import java.util.List;

/** What the swarm does at a position: only infer, or infer and train with given settings. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "action")
@JsonSubTypes({
  @JsonSubTypes.Type(value = PolicyAction.Infer.class, name = "infer"),
  @JsonSubTypes.Type(value = PolicyAction.Train.class, name = "train")
})
public sealed interface PolicyAction extends CborSerializable {

  PolicyAction INFER = new Infer();

  /** The spec's form of this action, which parses back to an equal action. */
  String canonical();

  /** Produce and record episodes, no training. */
  record Infer() implements PolicyAction {
    @Override
    public String canonical() {
      return "infer";
    }
  }

  /**
   * Produce episodes and train: every {@code stride}-th position of the segment sends a train
   * request with these hyperparameters. {@code clip} 0 means no clipping; {@code momentum} is SGD's
   * momentum or Adam's beta1; {@code bptt} is how many of an episode's last turns get gradients.
   */
  record Train(
      TrainScope scope,
      OptimizerKind optimizer,
      float lr,
      int stride,
      int bptt,
      float clip,
      float momentum)
      implements PolicyAction {

    /** Bare {@code train}: all scopes, SGD, lr 0.001, stride 1, bptt 1, no clip, momentum 0.9. */
    public static final Train DEFAULT =
        new Train(TrainScope.all(), OptimizerKind.SGD, 0.001f, 1, 1, 0f, 0.9f);

    @Override
    public String canonical() {
      return "train(scope="
          + scope.canonical()
          + ",opt="
          + optimizer.specName()
          + ",lr="
          + SpecNumbers.format(lr)
          + ",stride="
          + stride
          + ",bptt="
          + bptt
          + ",clip="
          + SpecNumbers.format(clip)
          + ",momentum="
          + SpecNumbers.format(momentum)
          + ")";
    }
  }

  /** Parses {@code infer}, {@code train} or {@code train(key=value,...)}. */
  static PolicyAction parse(String token, List<String> allowedScopes) throws PolicyException {
    String t = token.trim();
    if (SpecText.equalsIgnoreAsciiCase(t, "infer")) {
      return INFER;
    }
    if (SpecText.equalsIgnoreAsciiCase(t, "train")) {
      return Train.DEFAULT;
    }
    if (!t.startsWith("train(") || !t.endsWith(")") || t.length() < "train()".length()) {
      throw new PolicyException("invalid action '" + token + "', expected infer or train(...)");
    }
    String inner = t.substring("train(".length(), t.length() - 1);
    TrainScope scope = TrainScope.all();
    OptimizerKind optimizer = OptimizerKind.SGD;
    Train d = Train.DEFAULT;
    float lr = d.lr();
    int stride = d.stride();
    int bptt = d.bptt();
    float clip = d.clip();
    float momentum = d.momentum();
    for (SpecText.Entry arg : SpecText.keyValues(inner, "train argument")) {
      String key = arg.key();
      String val = arg.value();
      switch (key) {
        case "scope" -> scope = TrainScope.parse(val, allowedScopes);
        case "opt", "optimizer" -> optimizer = OptimizerKind.parse(val);
        case "lr" -> lr = Math.max(parseHyper("lr", val), 0f);
        case "stride" -> stride = Math.max(parseCount("stride", val), 1);
        case "bptt" -> bptt = Math.max(parseCount("bptt", val), 1);
        case "clip" -> clip = Math.max(parseHyper("clip", val), 0f);
        case "momentum" -> momentum = parseHyper("momentum", val);
        default -> throw new PolicyException(
            "unknown train argument key '"
                + key
                + "', expected scope, opt, optimizer, lr, stride, bptt, clip or momentum");
      }
    }
    return new Train(scope, optimizer, lr, stride, bptt, clip, momentum);
  }

  /**
   * An {@code f32} hyperparameter. Unlike the seed, which lets {@code nan} and {@code inf} through
   * (and silently turns a NaN lr into 0), a non-finite value is refused: it would poison training.
   */
  private static float parseHyper(String key, String val) throws PolicyException {
    Double v = SpecNumbers.parseFloat(val);
    if (v == null) {
      throw new PolicyException("invalid " + key + " '" + val + "', expected a number");
    }
    float f = v.floatValue();
    if (!Float.isFinite(f)) {
      throw new PolicyException("invalid " + key + " '" + val + "', must be a finite number");
    }
    return f;
  }

  private static int parseCount(String key, String val) throws PolicyException {
    Long v = SpecNumbers.parseUnsigned(val);
    if (v == null || v > Integer.MAX_VALUE) {
      throw new PolicyException(
          "invalid " + key + " '" + val + "', expected a whole number up to " + Integer.MAX_VALUE);
    }
    return v.intValue();
  }
}
