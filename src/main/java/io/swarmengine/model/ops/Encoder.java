package io.swarmengine.model.ops;

/** Token plus position embedding. */
public final class Encoder {
  private Encoder() {}

  /**
   * out[n,:] = wte[tokens[n],:] + wpe[positions[n],:].
   *
   * @param out [N, C]
   * @param tokens [N]
   * @param positions [N]
   * @param wte [V, C]
   * @param wpe [maxT, C]
   */
  public static void forward(float[] out, int[] tokens, int[] positions, float[] wte, float[] wpe, int n, int c) {
    for (int i = 0; i < n; i++) {
      int o = i * c;
      int t = tokens[i] * c;
      int p = positions[i] * c;
      for (int j = 0; j < c; j++) {
        out[o + j] = wte[t + j] + wpe[p + j];
      }
    }
  }

  /** Accumulates dwte and dwpe (either may be null: not trained) from dout [N, C]. */
  public static void backward(float[] dwte, float[] dwpe, float[] dout, int[] tokens, int[] positions, int n, int c) {
    for (int i = 0; i < n; i++) {
      int o = i * c;
      if (dwte != null) {
        int t = tokens[i] * c;
        for (int j = 0; j < c; j++) {
          dwte[t + j] += dout[o + j];
        }
      }
      if (dwpe != null) {
        int p = positions[i] * c;
        for (int j = 0; j < c; j++) {
          dwpe[p + j] += dout[o + j];
        }
      }
    }
  }
}
