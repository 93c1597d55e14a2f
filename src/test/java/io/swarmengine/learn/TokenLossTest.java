package io.swarmengine.learn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Each loss's gradient with respect to the new log-probabilities, against finite differences. */
class TokenLossTest {
  private final Random random = new Random(3);

  private double loss(LossSettings s, double adv, float[] lpNew, float[] lpOld, float[] lpRef, double coef) {
    TokenLoss.Sums sums = new TokenLoss.Sums();
    TokenLoss.episode(s, adv, lpNew, lpOld, lpRef, coef, new double[lpNew.length], sums);
    return sums.loss;
  }

  @Test
  void everyLossGradientMatchesFiniteDifferences() {
    for (LossSettings.Kind kind : LossSettings.Kind.values()) {
      for (double beta : new double[] {0, 0.05}) {
        LossSettings s = LossSettings.of(kind).withKl(beta);
        for (int trial = 0; trial < 20; trial++) {
          int n = 5;
          float[] lpNew = new float[n];
          float[] lpOld = new float[n];
          float[] lpRef = new float[n];
          for (int t = 0; t < n; t++) {
            lpNew[t] = (float) (-0.5 - random.nextDouble());
            // ratios spread around 1, some beyond the clip range
            lpOld[t] = (float) (lpNew[t] + random.nextGaussian() * 0.3);
            lpRef[t] = (float) (lpNew[t] + random.nextGaussian() * 0.2);
          }
          double adv = random.nextGaussian();
          double coef = 0.3;
          double[] dlp = new double[n];
          TokenLoss.episode(s, adv, lpNew, lpOld, lpRef, coef, dlp, new TokenLoss.Sums());
          for (int t = 0; t < n; t++) {
            float saved = lpNew[t];
            double eps = 1e-3;
            lpNew[t] = (float) (saved + eps);
            double up = loss(s, adv, lpNew, lpOld, lpRef, coef);
            lpNew[t] = (float) (saved - eps);
            double down = loss(s, adv, lpNew, lpOld, lpRef, coef);
            lpNew[t] = saved;
            double numeric = (up - down) / (2 * eps);
            // at a clip boundary the derivative jumps: skip the rare straddling case
            if (Math.abs(numeric - dlp[t]) > 1e-3 && kinkNear(s, lpNew, lpOld, t, adv)) {
              continue;
            }
            assertEquals(numeric, dlp[t], 2e-3, kind + " beta " + beta + " token " + t);
          }
        }
      }
    }
  }

  private static boolean kinkNear(LossSettings s, float[] lpNew, float[] lpOld, int t, double adv) {
    double r = Math.exp(lpNew[t] - lpOld[t]);
    if (s.kind() == LossSettings.Kind.GSPO) {
      double mean = 0;
      for (int i = 0; i < lpNew.length; i++) {
        mean += lpNew[i] - lpOld[i];
      }
      r = Math.exp(mean / lpNew.length);
    }
    return Math.abs(r - (1 - s.clipLow())) < 2e-3 || Math.abs(r - (1 + s.clipHigh())) < 2e-3;
  }

  @Test
  void clippingStopsTheGradientWhereTheRatioLeftTheTrustRegion() {
    LossSettings grpo = LossSettings.of(LossSettings.Kind.GRPO);
    float[] lpOld = {-1f, -1f};
    float[] lpNew = {(float) (-1 + Math.log(1.5)), (float) (-1 + Math.log(0.9))};
    double[] dlp = new double[2];
    TokenLoss.Sums sums = new TokenLoss.Sums();
    TokenLoss.episode(grpo, 1.0, lpNew, lpOld, null, 1, dlp, sums);
    assertEquals(0, dlp[0], "ratio 1.5 > 1.2 with a positive advantage: clipped, no gradient");
    assertEquals(-0.9, dlp[1], 1e-6);
    assertEquals(1, sums.clipped);
    assertEquals((1.5 + 0.9) / 2, sums.ratio / sums.tokens, 1e-6);
    // DAPO's clip-higher lets the ratio reach 1.28 before clipping
    double[] dapo = new double[2];
    float[] up = {(float) (-1 + Math.log(1.25)), -1f};
    TokenLoss.episode(LossSettings.of(LossSettings.Kind.DAPO), 1.0, up, lpOld, null, 1, dapo, new TokenLoss.Sums());
    assertTrue(dapo[0] < 0);
  }
}
