package io.swarmengine.learn;

/**
 * Which loss a learner step minimises, and its knobs: the clip range ({@code clipLow} below 1,
 * {@code clipHigh} above; DAPO's clip-higher uses 0.2 and 0.28), the k3 KL weight toward the base
 * model ({@code klBeta}, 0 = no reference pass), and Dr. GRPO's normalising constant (0 = the
 * longest completion in the batch).
 */
public record LossSettings(Kind kind, double clipLow, double clipHigh, double klBeta, double normConstant) {

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
    if (!(clipLow >= 0 && clipLow < 1) || !(clipHigh >= 0) || !(klBeta >= 0) || !(normConstant >= 0)) {
      throw new IllegalArgumentException("bad loss settings: " + this);
    }
  }

  public static LossSettings of(Kind kind) {
    return switch (kind) {
      case DAPO -> new LossSettings(kind, 0.2, 0.28, 0, 0);
      default -> new LossSettings(kind, 0.2, 0.2, 0, 0);
    };
  }

  public LossSettings withKl(double beta) {
    return new LossSettings(kind, clipLow, clipHigh, beta, normConstant);
  }
}
