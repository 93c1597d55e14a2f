package io.swarmengine.model.ops;

/**
 * out = inp · W + bias with W in Hugging Face's Conv1D layout {@code [in, out]}, so the innermost
 * loops run along contiguous output columns (which the JIT vectorises).
 */
public final class Matmul {
  private Matmul() {}

  /**
   * @param out [N, OC] (written)
   * @param inp [N, C] at {@code inpOff}
   * @param weight [C, OC]
   * @param bias [OC] or null
   */
  public static void forward(
      Parallel par, float[] out, float[] inp, float[] weight, float[] bias, int n, int c, int oc) {
    par.forRange(n, 4, (from, to) -> {
      for (int i = from; i < to; i++) {
        int o = i * oc;
        if (bias != null) {
          System.arraycopy(bias, 0, out, o, oc);
        } else {
          java.util.Arrays.fill(out, o, o + oc, 0f);
        }
        int x = i * c;
        for (int k = 0; k < c; k++) {
          float a = inp[x + k];
          int w = k * oc;
          for (int j = 0; j < oc; j++) {
            out[o + j] += a * weight[w + j];
          }
        }
      }
    });
  }

  /**
   * Accumulates dinp [N, C] (unless null), dweight [C, OC] and dbias [OC] (unless null) from
   * dout [N, OC].
   */
  public static void backward(
      Parallel par, float[] dinp, float[] dweight, float[] dbias, float[] dout, float[] inp,
      float[] weight, int n, int c, int oc) {
    if (dinp != null) {
      par.forRange(n, 4, (from, to) -> {
        for (int i = from; i < to; i++) {
          int o = i * oc;
          int x = i * c;
          for (int k = 0; k < c; k++) {
            int w = k * oc;
            float sum = 0;
            for (int j = 0; j < oc; j++) {
              sum += dout[o + j] * weight[w + j];
            }
            dinp[x + k] += sum;
          }
        }
      });
    }
    if (dweight != null) {
      par.forRange(c, 4, (from, to) -> {
        for (int k = from; k < to; k++) {
          int w = k * oc;
          for (int i = 0; i < n; i++) {
            float a = inp[i * c + k];
            int o = i * oc;
            for (int j = 0; j < oc; j++) {
              dweight[w + j] += a * dout[o + j];
            }
          }
        }
      });
    }
    if (dbias != null) {
      for (int i = 0; i < n; i++) {
        int o = i * oc;
        for (int j = 0; j < oc; j++) {
          dbias[j] += dout[o + j];
        }
      }
    }
  }

  /**
   * out = inp · Wᵀ with W in PyTorch's Linear layout {@code [OC, C]} (the output head against the
   * token embedding): one dot product along contiguous rows per output.
   *
   * @param out [N, OC] (written)
   * @param inp [N, C]
   * @param weight [OC, C]
   */
  public static void forwardTransposed(Parallel par, float[] out, float[] inp, float[] weight, int n, int c, int oc) {
    par.forRange(n, 1, (from, to) -> {
      for (int i = from; i < to; i++) {
        int x = i * c;
        int o = i * oc;
        for (int j = 0; j < oc; j++) {
          int w = j * c;
          float sum = 0;
          for (int k = 0; k < c; k++) {
            sum += inp[x + k] * weight[w + k];
          }
          out[o + j] = sum;
        }
      }
    });
  }

  /** Accumulates dinp [N, C] (unless null) and dweight [OC, C] (unless null) from dout [N, OC]. */
  public static void backwardTransposed(
      Parallel par, float[] dinp, float[] dweight, float[] dout, float[] inp, float[] weight, int n, int c, int oc) {
    if (dinp != null) {
      par.forRange(n, 1, (from, to) -> {
        for (int i = from; i < to; i++) {
          int x = i * c;
          int o = i * oc;
          for (int j = 0; j < oc; j++) {
            float d = dout[o + j];
            if (d == 0f) {
              continue;
            }
            int w = j * c;
            for (int k = 0; k < c; k++) {
              dinp[x + k] += d * weight[w + k];
            }
          }
        }
      });
    }
    if (dweight != null) {
      par.forRange(oc, 16, (from, to) -> {
        for (int j = from; j < to; j++) {
          int w = j * c;
          for (int i = 0; i < n; i++) {
            float d = dout[i * oc + j];
            if (d == 0f) {
              continue;
            }
            int x = i * c;
            for (int k = 0; k < c; k++) {
              dweight[w + k] += d * inp[x + k];
            }
          }
        }
      });
    }
  }
}
