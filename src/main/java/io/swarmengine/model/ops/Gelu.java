package io.swarmengine.model.ops;

/** GELU with the tanh approximation (Hugging Face's {@code gelu_new}). */
public final class Gelu {
  private static final float S = (float) Math.sqrt(2.0 / Math.PI);

  private Gelu() {}

  /** out = 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))), over {@code n} elements. */
  public static void forward(float[] out, float[] inp, int n) {
    for (int i = 0; i < n; i++) {
      float x = inp[i];
      float cube = 0.044715f * x * x * x;
      out[i] = 0.5f * x * (1f + (float) Math.tanh(S * (x + cube)));
    }
  }

  /** dinp += dout · gelu'(inp). */
  public static void backward(float[] dinp, float[] inp, float[] dout, int n) {
    for (int i = 0; i < n; i++) {
      float x = inp[i];
      float cube = 0.044715f * x * x * x;
      float arg = S * (x + cube);
      float th = (float) Math.tanh(arg);
      float cosh = (float) Math.cosh(arg);
      float sech2 = 1f / (cosh * cosh);
      float grad = 0.5f * (1f + th) + x * 0.5f * sech2 * S * (1f + 3f * 0.044715f * x * x);
      dinp[i] += grad * dout[i];
    }
  }
}
