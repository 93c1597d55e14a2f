package io.swarmengine.learn;

/**
 * The per-episode part of each loss: given the action tokens' log-probabilities under the model
 * being trained ({@code lpNew}), under the adapter version that produced them ({@code lpOld}) and
 * under the base model ({@code lpRef}, null without KL), adds {@code coef ×} the episode's loss to
 * the result and writes dLoss/dlpNew into {@code dlp}.
 */
final class TokenLoss {
  private TokenLoss() {}

  /** Running sums for the step's metrics. */
  static final class Sums {
    double loss;
    double ratio;
    long clipped;
    double kl;
    long tokens;

    void add(Sums other) {
      loss += other.loss;
      ratio += other.ratio;
      clipped += other.clipped;
      kl += other.kl;
      tokens += other.tokens;
    }
  }

  static void episode(
      LossSettings s, double advantage, float[] lpNew, float[] lpOld, float[] lpRef, double coef, double[] dlp, Sums sums) {
    int n = lpNew.length;
    switch (s.kind()) {
      case SFT -> {
        for (int t = 0; t < n; t++) {
          sums.loss += -coef * lpNew[t];
          dlp[t] = -coef;
          sums.ratio += 1;
        }
      }
      case REINFORCE -> {
        for (int t = 0; t < n; t++) {
          sums.loss += -coef * advantage * lpNew[t];
          dlp[t] = -coef * advantage;
          sums.ratio += Math.exp(lpNew[t] - lpOld[t]);
        }
      }
      case GSPO -> {
        double mean = 0;
        for (int t = 0; t < n; t++) {
          mean += lpNew[t] - lpOld[t];
        }
        mean /= n;
        double ratio = Math.exp(mean);
        double unclipped = ratio * advantage;
        double clipped = clamp(ratio, 1 - s.clipLow(), 1 + s.clipHigh()) * advantage;
        boolean binding = unclipped > clipped;
        double dObjDRatio = binding ? 0 : advantage;
        sums.loss += -coef * Math.min(unclipped, clipped) * n;
        for (int t = 0; t < n; t++) {
          dlp[t] = -coef * dObjDRatio * ratio; // coef already carries 1/|o| per token
          sums.ratio += ratio;
        }
        if (binding) {
          sums.clipped += n;
        }
      }
      default -> { // GRPO, DR_GRPO, DAPO: the clipped token ratio
        for (int t = 0; t < n; t++) {
          double ratio = Math.exp(lpNew[t] - lpOld[t]);
          double unclipped = ratio * advantage;
          double clipped = clamp(ratio, 1 - s.clipLow(), 1 + s.clipHigh()) * advantage;
          boolean binding = unclipped > clipped;
          sums.loss += -coef * Math.min(unclipped, clipped);
          dlp[t] = binding ? 0 : -coef * advantage * ratio;
          sums.ratio += ratio;
          if (binding) {
            sums.clipped++;
          }
        }
      }
    }
    if (lpRef != null && s.klBeta() > 0) {
      for (int t = 0; t < n; t++) {
        double diff = lpRef[t] - lpNew[t];
        double kl = Math.exp(diff) - diff - 1;
        sums.kl += kl;
        sums.loss += coef * s.klBeta() * kl;
        dlp[t] += coef * s.klBeta() * (1 - Math.exp(diff));
      }
    }
    sums.tokens += n;
  }

  private static double clamp(double x, double lo, double hi) {
    return Math.max(lo, Math.min(hi, x));
  }
}
