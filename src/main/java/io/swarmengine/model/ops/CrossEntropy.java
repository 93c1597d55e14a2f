package io.swarmengine.model.ops;

/** Softmax cross-entropy of logits against target tokens, fused with its backward. */
public final class CrossEntropy {
  private CrossEntropy() {}

  /**
   * losses[i] = −log softmax(logits[i,:])[targets[i]]; also leaves the probabilities in
   * {@code probs} for backward.
   *
   * @param logits [N, V]
   * @param probs [N, V] (cache)
   */
  public static void forward(Parallel par, float[] losses, float[] probs, float[] logits, int[] targets, int n, int v) {
    par.forRange(n, 1, (from, to) -> {
      for (int i = from; i < to; i++) {
        int x = i * v;
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < v; j++) {
          max = Math.max(max, logits[x + j]);
        }
        double sum = 0;
        for (int j = 0; j < v; j++) {
          float e = (float) Math.exp(logits[x + j] - max);
          probs[x + j] = e;
          sum += e;
        }
        float inv = (float) (1.0 / sum);
        for (int j = 0; j < v; j++) {
          probs[x + j] *= inv;
        }
        losses[i] = (float) -(logits[x + targets[i]] - max - Math.log(sum));
      }
    });
  }

  /** dlogits[i,:] += dlosses[i] · (probs[i,:] − onehot(targets[i])). */
  public static void backward(float[] dlogits, float[] dlosses, float[] probs, int[] targets, int n, int v) {
    for (int i = 0; i < n; i++) {
      int x = i * v;
      float dl = dlosses[i];
      if (dl == 0f) {
        continue;
      }
      for (int j = 0; j < v; j++) {
        dlogits[x + j] += dl * probs[x + j];
      }
      dlogits[x + targets[i]] -= dl;
    }
  }
}
