package io.swarmengine.model.ops;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Every op's backward against central finite differences of L = Σ out·g for a random g. */
class OpsGradientTest {
  private static final double EPS = 1e-3;
  private final Random random = new Random(7);
  private final Parallel par = Parallel.sequential();

  private float[] randn(int n, double scale) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (random.nextGaussian() * scale);
    }
    return a;
  }

  private static double dot(float[] a, float[] g) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += (double) a[i] * g[i];
    }
    return s;
  }

  /** Checks {@code analytic} = dL/d{@code param} where {@code loss} recomputes L from the current params. */
  private static void check(String what, float[] param, float[] analytic, Supplier<Double> loss) {
    double worst = 0;
    for (int i = 0; i < param.length; i++) {
      float saved = param[i];
      param[i] = (float) (saved + EPS);
      double up = loss.get();
      param[i] = (float) (saved - EPS);
      double down = loss.get();
      param[i] = saved;
      double numeric = (up - down) / (2 * EPS);
      double err = Math.abs(numeric - analytic[i]) / Math.max(1.0, Math.abs(numeric) + Math.abs(analytic[i]));
      worst = Math.max(worst, err);
    }
    assertTrue(worst < 5e-3, what + ": worst relative error " + worst);
  }

  @Test
  void layerNorm() {
    int n = 3, c = 8;
    float[] x = randn(n * c, 1), w = randn(c, 1), b = randn(c, 1), g = randn(n * c, 1);
    float[] out = new float[n * c], mean = new float[n], rstd = new float[n];
    Supplier<Double> loss = () -> {
      LayerNorm.forward(out, mean, rstd, x, w, b, n, c, 1e-5f);
      return dot(out, g);
    };
    loss.get();
    float[] dx = new float[n * c], dw = new float[c], db = new float[c];
    LayerNorm.backward(dx, dw, db, g, x, w, mean, rstd, n, c);
    check("layernorm dinp", x, dx, loss);
    check("layernorm dweight", w, dw, loss);
    check("layernorm dbias", b, db, loss);
  }

  @Test
  void matmul() {
    matmul(4, 6, 5); // one block of rows
    matmul(7, 6, 5); // a block and three rows on their own
  }

  private void matmul(int n, int c, int oc) {
    float[] x = randn(n * c, 1), w = randn(c * oc, 1), b = randn(oc, 1), g = randn(n * oc, 1);
    float[] out = new float[n * oc];
    Supplier<Double> loss = () -> {
      Matmul.forward(par, out, x, w, b, n, c, oc);
      return dot(out, g);
    };
    loss.get();
    float[] dx = new float[n * c], dw = new float[c * oc], db = new float[oc];
    Matmul.backward(par, dx, dw, db, g, x, w, n, c, oc);
    check("matmul dinp", x, dx, loss);
    check("matmul dweight", w, dw, loss);
    check("matmul dbias", b, db, loss);
  }

  @Test
  void matmulTransposed() {
    matmulTransposed(3, 5, 7); // short dot products: rows over a transposed weight
    matmulTransposed(3, 20, 7); // a dot product per output
  }

  private void matmulTransposed(int n, int c, int oc) {
    float[] x = randn(n * c, 1), w = randn(oc * c, 1), g = randn(n * oc, 1);
    float[] out = new float[n * oc];
    Supplier<Double> loss = () -> {
      Matmul.forwardTransposed(par, out, x, w, n, c, oc);
      return dot(out, g);
    };
    loss.get();
    float[] dx = new float[n * c], dw = new float[oc * c];
    Matmul.backwardTransposed(par, dx, dw, g, x, w, n, c, oc);
    check("matmulᵀ dinp", x, dx, loss);
    check("matmulᵀ dweight", w, dw, loss);
  }

  @Test
  void gelu() {
    int n = 20;
    float[] x = randn(n, 2), g = randn(n, 1), out = new float[n];
    Supplier<Double> loss = () -> {
      Gelu.forward(out, x, n);
      return dot(out, g);
    };
    float[] dx = new float[n];
    Gelu.backward(dx, x, g, n);
    check("gelu", x, dx, loss);
  }

  @Test
  void attention() {
    int t = 5, c = 8, nh = 2;
    float[] qkv = randn(t * 3 * c, 1), g = randn(t * c, 1);
    float[] out = new float[t * c], pre = new float[nh * t * t], att = new float[nh * t * t];
    Supplier<Double> loss = () -> {
      Attention.forward(par, out, pre, att, qkv, t, c, nh);
      return dot(out, g);
    };
    loss.get();
    float[] dqkv = new float[qkv.length];
    Attention.backward(par, dqkv, g, qkv, att, t, c, nh);
    check("attention dqkv", qkv, dqkv, loss);
  }

  @Test
  void crossEntropy() {
    int n = 3, v = 7;
    float[] logits = randn(n * v, 2), dl = randn(n, 1);
    int[] targets = {1, 6, 0};
    float[] losses = new float[n], probs = new float[n * v];
    Supplier<Double> loss = () -> {
      CrossEntropy.forward(par, losses, probs, logits, targets, n, v);
      return dot(losses, dl);
    };
    loss.get();
    float[] dlogits = new float[n * v];
    CrossEntropy.backward(dlogits, dl, probs, targets, n, v);
    check("cross-entropy dlogits", logits, dlogits, loss);
  }

  @Test
  void encoder() {
    int n = 4, c = 3, vocab = 5, maxT = 6;
    float[] wte = randn(vocab * c, 1), wpe = randn(maxT * c, 1), g = randn(n * c, 1), out = new float[n * c];
    int[] tokens = {2, 4, 2, 0};
    int[] positions = {0, 1, 2, 5};
    Supplier<Double> loss = () -> {
      Encoder.forward(out, tokens, positions, wte, wpe, n, c);
      return dot(out, g);
    };
    float[] dwte = new float[wte.length], dwpe = new float[wpe.length];
    Encoder.backward(dwte, dwpe, g, tokens, positions, n, c);
    check("encoder dwte", wte, dwte, loss);
    check("encoder dwpe", wpe, dwpe, loss);
  }
}
