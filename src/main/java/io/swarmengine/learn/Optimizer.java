package io.swarmengine.learn;

import io.swarmengine.policy.OptimizerKind;
import java.util.HashMap;
import java.util.Map;

/**
 * SGD with momentum (PyTorch's form: b = μb + g, θ −= lr·b) and AdamW (m = β1 m + (1−β1) g,
 * v = β2 v + (1−β2) g², θ −= lr·(m̂/(√v̂ + ε) + wd·θ)), with the schedule's momentum as μ or β1,
 * and global grad-norm clipping over every trainable tensor together.
 */
public final class Optimizer {
  public static final double BETA2 = 0.999;
  public static final double EPS = 1e-8;

  private final Map<String, float[]> first = new HashMap<>();
  private final Map<String, float[]> second = new HashMap<>();
  private long steps;

  /** The L2 norm of all gradients together. */
  public static double gradNorm(Map<String, float[]> grads) {
    double sum = 0;
    for (float[] g : grads.values()) {
      for (float x : g) {
        sum += (double) x * x;
      }
    }
    return Math.sqrt(sum);
  }

  /**
   * Clips (when {@code clip} > 0) and applies the gradients to the parameters of the same names,
   * then zeroes the gradients. Returns the gradient norm before clipping. When the gradient norm is
   * not finite, or the update would leave a parameter or moment that is not (a learning rate too
   * high for the gradient), nothing is applied: the gradients are zeroed, so the next step starts
   * clean, and an {@link IllegalStateException} says which.
   */
  public double step(
      Map<String, float[]> params, Map<String, float[]> grads, OptimizerKind kind, double lr, double clip,
      double momentum, double weightDecay) {
    double norm = gradNorm(grads);
    if (!Double.isFinite(norm)) {
      zero(grads);
      throw new IllegalStateException("the gradient norm is " + norm + "; the step is refused and nothing changed");
    }
    double factor = clip > 0 && norm > clip ? clip / norm : 1.0;
    long step = steps + 1;
    // computed aside and checked whole, then committed: a refused step changes nothing
    Map<String, float[][]> updated = new HashMap<>();
    for (Map.Entry<String, float[]> e : grads.entrySet()) {
      float[] g = e.getValue();
      float[] p = params.get(e.getKey()).clone();
      float[] m = first.containsKey(e.getKey()) ? first.get(e.getKey()).clone() : new float[g.length];
      float[] v = null;
      if (kind == OptimizerKind.SGD) {
        sgd(p, m, g, factor, lr, momentum);
      } else {
        v = second.containsKey(e.getKey()) ? second.get(e.getKey()).clone() : new float[g.length];
        adam(p, m, v, g, factor, lr, momentum, 1 - Math.pow(momentum, step), 1 - Math.pow(BETA2, step), weightDecay);
      }
      if (!allFinite(p) || !allFinite(m) || (v != null && !allFinite(v))) {
        zero(grads);
        throw new IllegalStateException("the update at lr " + lr + " leaves '" + e.getKey()
            + "' with values that are not finite; the step is refused and nothing changed (lower the lr or set clip)");
      }
      updated.put(e.getKey(), new float[][] {p, m, v});
    }
    for (Map.Entry<String, float[][]> e : updated.entrySet()) {
      float[][] pmv = e.getValue();
      System.arraycopy(pmv[0], 0, params.get(e.getKey()), 0, pmv[0].length); // the live arrays the model reads
      first.put(e.getKey(), pmv[1]);
      if (pmv[2] != null) {
        second.put(e.getKey(), pmv[2]);
      }
    }
    steps = step;
    zero(grads);
    return norm;
  }

  // The element loops live in methods of their own: the JIT compiles these small loops with C2 and
  // leaves step, which runs once a training step, to C1 (src/main/jvm/compiler-directives.json).

  /** SGD with momentum on one tensor: m = momentum·m + factor·g, p -= lr·m. */
  private static void sgd(float[] p, float[] m, float[] g, double factor, double lr, double momentum) {
    for (int i = 0; i < g.length; i++) {
      m[i] = (float) (momentum * m[i] + factor * g[i]);
      p[i] -= (float) (lr * m[i]);
    }
  }

  /** Adam(W) on one tensor, {@code c1} and {@code c2} the bias corrections 1 - β₁ᵗ and 1 - β₂ᵗ. */
  private static void adam(
      float[] p, float[] m, float[] v, float[] g, double factor, double lr, double beta1, double c1, double c2,
      double weightDecay) {
    for (int i = 0; i < g.length; i++) {
      double gi = factor * g[i];
      m[i] = (float) (beta1 * m[i] + (1 - beta1) * gi);
      v[i] = (float) (BETA2 * v[i] + (1 - BETA2) * gi * gi);
      double mHat = m[i] / c1;
      double vHat = v[i] / c2;
      p[i] -= (float) (lr * (mHat / (Math.sqrt(vHat) + EPS) + weightDecay * p[i]));
    }
  }

  private static boolean allFinite(float[] a) {
    for (float x : a) {
      if (!Float.isFinite(x)) {
        return false;
      }
    }
    return true;
  }

  private static void zero(Map<String, float[]> grads) {
    for (float[] g : grads.values()) {
      java.util.Arrays.fill(g, 0f);
    }
  }

  public long steps() {
    return steps;
  }

  /** The moments to save ({@code first.NAME}, {@code second.NAME}; live arrays), see {@link #restore(Map, long)}. */
  public Map<String, float[]> moments() {
    Map<String, float[]> out = new java.util.LinkedHashMap<>();
    first.forEach((name, m) -> out.put("first." + name, m));
    second.forEach((name, v) -> out.put("second." + name, v));
    return out;
  }

  /** Takes back the moments {@link #moments()} gave (other keys are ignored) and the steps taken with them. */
  public void restore(Map<String, float[]> moments, long steps) {
    moments.forEach((key, a) -> {
      if (key.startsWith("first.")) {
        first.put(key.substring("first.".length()), a);
      } else if (key.startsWith("second.")) {
        second.put(key.substring("second.".length()), a);
      }
    });
    this.steps = steps;
  }
}
