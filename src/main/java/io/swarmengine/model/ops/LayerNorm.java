package io.swarmengine.model.ops;

/** Layer normalisation over the last dimension, as PyTorch's LayerNorm (biased variance). */
public final class LayerNorm {
  private LayerNorm() {}

  /**
   * out = (x - mean) · rstd · weight + bias per row; caches mean and rstd for backward.
   *
   * @param out [N, C]
   * @param mean [N] (cache)
   * @param rstd [N] (cache)
   * @param inp [N, C]
   * @param weight [C]
   * @param bias [C]
   */
  public static void forward(
      float[] out, float[] mean, float[] rstd, float[] inp, float[] weight, float[] bias, int n, int c, float eps) {
    for (int i = 0; i < n; i++) {
      int x = i * c;
      double m = 0;
      for (int j = 0; j < c; j++) {
        m += inp[x + j];
      }
      m /= c;
      double v = 0;
      for (int j = 0; j < c; j++) {
        double d = inp[x + j] - m;
        v += d * d;
      }
      v /= c;
      float s = (float) (1.0 / Math.sqrt(v + eps));
      float mf = (float) m;
      for (int j = 0; j < c; j++) {
        out[x + j] = (inp[x + j] - mf) * s * weight[j] + bias[j];
      }
      mean[i] = mf;
      rstd[i] = s;
    }
  }

  /** Accumulates dinp, and dweight/dbias unless null, from dout [N, C]. */
  public static void backward(
      float[] dinp, float[] dweight, float[] dbias, float[] dout, float[] inp, float[] weight,
      float[] mean, float[] rstd, int n, int c) {
    for (int i = 0; i < n; i++) {
      int x = i * c;
      float m = mean[i];
      float s = rstd[i];
      double dnormMean = 0;
      double dnormNormMean = 0;
      for (int j = 0; j < c; j++) {
        float norm = (inp[x + j] - m) * s;
        float dnorm = weight[j] * dout[x + j];
        dnormMean += dnorm;
        dnormNormMean += dnorm * norm;
      }
      dnormMean /= c;
      dnormNormMean /= c;
      for (int j = 0; j < c; j++) {
        float norm = (inp[x + j] - m) * s;
        float dnorm = weight[j] * dout[x + j];
        if (dbias != null) {
          dbias[j] += dout[x + j];
        }
        if (dweight != null) {
          dweight[j] += norm * dout[x + j];
        }
        dinp[x + j] += (float) ((dnorm - dnormMean - norm * dnormNormMean) * s);
      }
    }
  }
}
