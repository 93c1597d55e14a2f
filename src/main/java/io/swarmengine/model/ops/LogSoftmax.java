package io.swarmengine.model.ops;

/** log Σ exp over a row of logits, computed stably (max subtracted first). */
public final class LogSoftmax {
  private LogSoftmax() {}

  /** log Σ_j exp(logits[off + j]) over {@code v} entries. */
  public static double logSumExp(float[] logits, int off, int v) {
    double max = Double.NEGATIVE_INFINITY;
    for (int j = 0; j < v; j++) {
      max = Math.max(max, logits[off + j]);
    }
    double sum = 0;
    for (int j = 0; j < v; j++) {
      sum += Math.exp(logits[off + j] - max);
    }
    return max + Math.log(sum);
  }
}
