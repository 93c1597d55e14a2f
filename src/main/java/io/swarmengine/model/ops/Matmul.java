package io.swarmengine.model.ops;

/**
 * out = inp · W + bias with W in Hugging Face's Conv1D layout {@code [in, out]}, so the innermost
 * loops run along contiguous output columns (which the JIT vectorises).
 */
public final class Matmul {
  /** Rows computed together, so that each weight row is read from memory once per block. */
  private static final int ROWS = 4;

  private Matmul() {}

  /**
   * @param out [N, OC] (written)
   * @param inp [N, C] at {@code inpOff}
   * @param weight [C, OC]
   * @param bias [OC] or null
   */
  public static void forward(
      Parallel par, float[] out, float[] inp, float[] weight, float[] bias, int n, int c, int oc) {
    int blocks = (n + ROWS - 1) / ROWS;
    par.forRange(blocks, 1, (from, to) -> {
      // Java 17's JIT vectorises a loop only when its arrays share one index, offsets included, so
      // the block's rows are summed in arrays of their own and each weight row is copied to one
      // (the copy is a fraction of the work and makes the loop 2-3 times faster)
      float[] row = new float[oc];
      float[] acc0 = new float[oc];
      float[] acc1 = new float[oc];
      float[] acc2 = new float[oc];
      float[] acc3 = new float[oc];
      float[][] accs = {acc0, acc1, acc2, acc3};
      for (int b = from; b < to; b++) {
        int i0 = b * ROWS;
        int rows = Math.min(ROWS, n - i0);
        for (float[] acc : accs) {
          if (bias != null) {
            System.arraycopy(bias, 0, acc, 0, oc);
          } else {
            java.util.Arrays.fill(acc, 0f);
          }
        }
        for (int k = 0; k < c; k++) {
          System.arraycopy(weight, k * oc, row, 0, oc);
          // rows past n count as zeros
          float a0 = inp[i0 * c + k];
          float a1 = rows > 1 ? inp[(i0 + 1) * c + k] : 0f;
          float a2 = rows > 2 ? inp[(i0 + 2) * c + k] : 0f;
          float a3 = rows > 3 ? inp[(i0 + 3) * c + k] : 0f;
          for (int j = 0; j < oc; j++) {
            float wv = row[j];
            acc0[j] += a0 * wv;
            acc1[j] += a1 * wv;
            acc2[j] += a2 * wv;
            acc3[j] += a3 * wv;
          }
        }
        for (int r = 0; r < rows; r++) {
          System.arraycopy(accs[r], 0, out, (i0 + r) * oc, oc);
        }
      }
    });
  }

  /** The transpose of a [rows, cols] matrix: [cols, rows]. */
  public static float[] transpose(float[] m, int rows, int cols) {
    float[] t = new float[rows * cols];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        t[j * rows + i] = m[i * cols + j];
      }
    }
    return t;
  }

  /**
   * Accumulates dinp [N, C] (unless null), dweight [C, OC] and dbias [OC] (unless null) from
   * dout [N, OC].
   */
  public static void backward(
      Parallel par, float[] dinp, float[] dweight, float[] dbias, float[] dout, float[] inp,
      float[] weight, int n, int c, int oc) {
    if (dinp != null) {
      int blocks = (n + ROWS - 1) / ROWS;
      par.forRange(blocks, 1, (from, to) -> {
        for (int b = from; b < to; b++) {
          int i0 = b * ROWS;
          int rows = Math.min(ROWS, n - i0);
          for (int k = 0; k < c; k++) {
            int w = k * oc;
            if (rows == ROWS) {
              int o0 = i0 * oc;
              int o1 = o0 + oc;
              int o2 = o1 + oc;
              int o3 = o2 + oc;
              float s0 = 0;
              float s1 = 0;
              float s2 = 0;
              float s3 = 0;
              for (int j = 0; j < oc; j++) {
                float wv = weight[w + j];
                s0 += dout[o0 + j] * wv;
                s1 += dout[o1 + j] * wv;
                s2 += dout[o2 + j] * wv;
                s3 += dout[o3 + j] * wv;
              }
              dinp[i0 * c + k] += s0;
              dinp[(i0 + 1) * c + k] += s1;
              dinp[(i0 + 2) * c + k] += s2;
              dinp[(i0 + 3) * c + k] += s3;
            } else {
              for (int r = 0; r < rows; r++) {
                int o = (i0 + r) * oc;
                float sum = 0;
                for (int j = 0; j < oc; j++) {
                  sum += dout[o + j] * weight[w + j];
                }
                dinp[(i0 + r) * c + k] += sum;
              }
            }
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
    // split by output column: each weight row (one vocabulary entry of the head) is read once
    // and used for every input row while it is in cache
    par.forRange(oc, 64, (from, to) -> {
      for (int j = from; j < to; j++) {
        int w = j * c;
        for (int i = 0; i < n; i++) {
          int x = i * c;
          float sum = 0;
          for (int k = 0; k < c; k++) {
            sum += inp[x + k] * weight[w + k];
          }
          out[i * oc + j] = sum;
        }
      }
    });
  }

  /** Accumulates dinp [N, C] (unless null) and dweight [OC, C] (unless null) from dout [N, OC]. */
  public static void backwardTransposed(
      Parallel par, float[] dinp, float[] dweight, float[] dout, float[] inp, float[] weight, int n, int c, int oc) {
    if (dinp != null) {
      // blocks of rows: each weight row is read once per block, not once per row
      int blockRows = 16;
      int blocks = (n + blockRows - 1) / blockRows;
      par.forRange(blocks, 1, (from, to) -> {
        for (int b = from; b < to; b++) {
          int i0 = b * blockRows;
          int i1 = Math.min(n, i0 + blockRows);
          for (int j = 0; j < oc; j++) {
            int w = j * c;
            for (int i = i0; i < i1; i++) {
              float d = dout[i * oc + j];
              if (d == 0f) {
                continue;
              }
              int x = i * c;
              for (int k = 0; k < c; k++) {
                dinp[x + k] += d * weight[w + k];
              }
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
