package io.swarmengine.learn;

/**
 * Which loss a learner step minimises, and its knobs: the clip range ({@code clipLow} below 1,
 * {@code clipHigh} above; DAPO's clip-higher uses 0.2 and 0.28), the k3 KL weight toward the base
 * model ({@code klBeta}, 0 = no reference pass), Dr. GRPO's normalising constant (0 = the
 * longest completion in the batch), and the sampling temperature the episodes were generated at:
 * the policy trained is softmax(logits / temperature), the one whose log-probabilities the
 * workers stored, so the ratio compares like with like (as TRL and verl do).
 */
public record LossSettings(Kind kind, double clipLow, double clipHigh, double klBeta, double normConstant, double temperature) {

  public enum Kind {
    /** Group-normalised advantages, clipped token ratio, per-episode token mean. */
    GRPO,
    /** GRPO without the std division and without length normalisation. */
    DR_GRPO,
    /** Clip-higher, token-level mean over the batch, groups with zero reward spread dropped. */
    DAPO,
    /** Sequence-level ratio exp(mean token log-ratio), clipped. */
    GSPO,
    /** Policy gradient with the group mean as baseline. */
    REINFORCE,
    /** Cross-entropy on the action tokens (supervised warm start). */
    SFT
  }

  public LossSettings {
    if (!(clipLow >= 0 && clipLow < 1) || !(clipHigh >= 0) || !(klBeta >= 0) || !(normConstant >= 0)
        || !(temperature > 0 && Double.isFinite(temperature))) {
      throw new IllegalArgumentException("bad loss settings: " + this);
    }
  }

  public static LossSettings of(Kind kind) {
    return switch (kind) {
      case DAPO -> new LossSettings(kind, 0.2, 0.28, 0, 0, 1);
      default -> new LossSettings(kind, 0.2, 0.2, 0, 0, 1);
    };
  }

  public LossSettings withKl(double beta) {
    return new LossSettings(kind, clipLow, clipHigh, beta, normConstant, temperature);
  }

  /** The same loss for episodes sampled at {@code t} (a greedy rollout, t = 0, trains at 1). */
  public LossSettings withTemperature(double t) {
    return new LossSettings(kind, clipLow, clipHigh, klBeta, normConstant, t > 0 ? t : 1);
  }
}
