package io.swarmengine.model.ops;

/** Causal multi-head self-attention over one sequence, from the fused q|k|v projection. */
public final class Attention {
  private Attention() {}

  /**
   * For each head h and position t: softmax over t2 ≤ t of q_t·k_t2/√hs, times v.
   *
   * @param out [T, C] (written)
   * @param preatt [NH, T, T] (cache: scaled scores, t2 ≤ t)
   * @param att [NH, T, T] (cache: probabilities, zero for t2 > t)
   * @param qkv [T, 3C]: q, then k, then v, each split into NH heads of C/NH
   */
  public static void forward(Parallel par, float[] out, float[] preatt, float[] att, float[] qkv, int t, int c, int nh) {
    int hs = c / nh;
    float scale = (float) (1.0 / Math.sqrt(hs));
    int c3 = 3 * c;
    par.forRange(nh * t, 8, (from, to) -> {
      for (int ht = from; ht < to; ht++) {
        int h = ht / t;
        int i = ht % t;
        int q = i * c3 + h * hs;
        int row = (h * t + i) * t;
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j <= i; j++) {
          int k = j * c3 + c + h * hs;
          float dot = 0;
          for (int d = 0; d < hs; d++) {
            dot += qkv[q + d] * qkv[k + d];
          }
          dot *= scale;
          preatt[row + j] = dot;
          max = Math.max(max, dot);
        }
        float sum = 0;
        for (int j = 0; j <= i; j++) {
          float e = (float) Math.exp(preatt[row + j] - max);
          att[row + j] = e;
          sum += e;
        }
        float inv = 1f / sum;
        for (int j = 0; j <= i; j++) {
          att[row + j] *= inv;
        }
        for (int j = i + 1; j < t; j++) {
          att[row + j] = 0f;
        }
        int o = i * c + h * hs;
        for (int d = 0; d < hs; d++) {
          out[o + d] = 0f;
        }
        for (int j = 0; j <= i; j++) {
          int v = j * c3 + 2 * c + h * hs;
          float a = att[row + j];
          for (int d = 0; d < hs; d++) {
            out[o + d] += a * qkv[v + d];
          }
        }
      }
    });
  }

  /** Accumulates dqkv [T, 3C] from dout [T, C]; parallel over heads, whose slices never overlap. */
  public static void backward(Parallel par, float[] dqkv, float[] dout, float[] qkv, float[] att, int t, int c, int nh) {
    int hs = c / nh;
    float scale = (float) (1.0 / Math.sqrt(hs));
    int c3 = 3 * c;
    par.forRange(nh, 1, (from, to) -> {
      float[] datt = new float[t];
      for (int h = from; h < to; h++) {
        for (int i = 0; i < t; i++) {
          int row = (h * t + i) * t;
          int o = i * c + h * hs;
          // through the weighted sum of v
          for (int j = 0; j <= i; j++) {
            int v = j * c3 + 2 * c + h * hs;
            float dot = 0;
            float a = att[row + j];
            for (int d = 0; d < hs; d++) {
              dot += dout[o + d] * qkv[v + d];
              dqkv[v + d] += a * dout[o + d];
            }
            datt[j] = dot;
          }
          // through the softmax
          float inner = 0;
          for (int j = 0; j <= i; j++) {
            inner += att[row + j] * datt[j];
          }
          int q = i * c3 + h * hs;
          for (int j = 0; j <= i; j++) {
            float dpre = att[row + j] * (datt[j] - inner) * scale;
            int k = j * c3 + c + h * hs;
            for (int d = 0; d < hs; d++) {
              dqkv[q + d] += dpre * qkv[k + d];
              dqkv[k + d] += dpre * qkv[q + d];
            }
          }
        }
      }
    });
  }
}
