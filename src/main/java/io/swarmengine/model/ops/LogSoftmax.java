package io.swarmengine.model.ops;

/** log Σ exp over a row of logits, computed stably (max subtracted first). */
public final class LogSoftmax {
  private LogSoftmax() {}

  /** log Σ_j exp(logits[off + j]) over {@code v} entries. */
  public static double logSumExp(float[] logits, int off, int v) {
    return logSumExp(logits, off, v, 1);
  }

  /** log Σ_j exp(scale · logits[off + j]): the normaliser of softmax(logits / T) with scale = 1/T. */
  public static double logSumExp(float[] logits, int off, int v, double scale) {
    double max = Double.NEGATIVE_INFINITY;
    for (int j = 0; j < v; j++) {
      max = Math.max(max, scale * logits[off + j]);
    }
    double sum = 0;
    for (int j = 0; j < v; j++) {
      sum += Math.exp(scale * logits[off + j] - max);
    }
    return max + Math.log(sum);
  }
}
