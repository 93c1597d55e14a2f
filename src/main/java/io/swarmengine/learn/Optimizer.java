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
   * then zeroes the gradients. Returns the gradient norm before clipping.
   */
  public double step(
      Map<String, float[]> params, Map<String, float[]> grads, OptimizerKind kind, double lr, double clip,
      double momentum, double weightDecay) {
    double norm = gradNorm(grads);
    if (!Double.isFinite(norm)) {
      throw new IllegalStateException("the gradient norm is " + norm + "; the step is refused and nothing changed");
    }
    double factor = clip > 0 && norm > clip ? clip / norm : 1.0;
    steps++;
    for (Map.Entry<String, float[]> e : grads.entrySet()) {
      float[] p = params.get(e.getKey());
      float[] g = e.getValue();
      float[] m = first.computeIfAbsent(e.getKey(), k -> new float[g.length]);
      if (kind == OptimizerKind.SGD) {
        for (int i = 0; i < g.length; i++) {
          m[i] = (float) (momentum * m[i] + factor * g[i]);
          p[i] -= (float) (lr * m[i]);
        }
      } else {
        float[] v = second.computeIfAbsent(e.getKey(), k -> new float[g.length]);
        double c1 = 1 - Math.pow(momentum, steps);
        double c2 = 1 - Math.pow(BETA2, steps);
        for (int i = 0; i < g.length; i++) {
          double gi = factor * g[i];
          m[i] = (float) (momentum * m[i] + (1 - momentum) * gi);
          v[i] = (float) (BETA2 * v[i] + (1 - BETA2) * gi * gi);
          double mHat = m[i] / c1;
          double vHat = v[i] / c2;
          p[i] -= (float) (lr * (mHat / (Math.sqrt(vHat) + EPS) + weightDecay * p[i]));
        }
      }
      java.util.Arrays.fill(g, 0f);
    }
    return norm;
  }

  public long steps() {
    return steps;
  }

  Map<String, float[]> firstMoments() {
    return first;
  }

  Map<String, float[]> secondMoments() {
    return second;
  }

  void restore(long steps) {
    this.steps = steps;
  }
}
