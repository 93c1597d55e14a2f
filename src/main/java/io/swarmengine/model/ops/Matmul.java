package io.swarmengine.model.ops;

/**
 * out = inp · W + bias with W in Hugging Face's Conv1D layout {@code [in, out]}, and the
 * gradients: the products that add rows of a matrix (forward, the weight gradients, the input
 * gradient of {@link #backwardTransposed}) share one kernel whose inner loop the JIT vectorises;
 * the dot products (the input gradient of {@link #backward}, {@link #forwardTransposed}) stay
 * scalar, as Java 17's JIT does not vectorise a float sum.
 */
public final class Matmul {
  /** Rows computed together, so that each weight row is read from memory once per block. */
  private static final int ROWS = 4;

  private Matmul() {}

  /**
   * @param out [N, OC] (written)
   * @param inp [N, C]
   * @param weight [C, OC]
   * @param bias [OC] or null
   */
  public static void forward(
      Parallel par, float[] out, float[] inp, float[] weight, float[] bias, int n, int c, int oc) {
    rowsTimes(par, out, false, bias, inp, weight, n, c, oc);
  }

  /**
   * out = (out if {@code accumulate}, else bias or 0) + inp · weight: out [N, OC], inp [N, C],
   * weight [C, OC], in blocks of {@link #ROWS} rows. Java 17's JIT vectorises a loop only when its
   * arrays share one index, offsets included, so a block's rows are summed in arrays of their own
   * and each weight row is copied to one: the copies are a fraction of the work and make the loop
   * two to three times faster.
   */
  private static void rowsTimes(
      Parallel par, float[] out, boolean accumulate, float[] bias, float[] inp, float[] weight, int n, int c, int oc) {
    int blocks = (n + ROWS - 1) / ROWS;
    par.forRange(blocks, 1, (from, to) -> {
      float[] row = new float[oc];
      float[] acc0 = new float[oc];
      float[] acc1 = new float[oc];
      float[] acc2 = new float[oc];
      float[] acc3 = new float[oc];
      float[][] accs = {acc0, acc1, acc2, acc3};
      for (int b = from; b < to; b++) {
        int i0 = b * ROWS;
        int rows = Math.min(ROWS, n - i0);
        for (int r = 0; r < ROWS; r++) {
          if (accumulate && r < rows) {
            System.arraycopy(out, (i0 + r) * oc, accs[r], 0, oc);
          } else if (bias != null) {
            System.arraycopy(bias, 0, accs[r], 0, oc);
          } else {
            java.util.Arrays.fill(accs[r], 0f);
          }
        }
        for (int k = 0; k < c; k++) {
          // rows past n count as zeros
          float a0 = inp[i0 * c + k];
          float a1 = rows > 1 ? inp[(i0 + 1) * c + k] : 0f;
          float a2 = rows > 2 ? inp[(i0 + 2) * c + k] : 0f;
          float a3 = rows > 3 ? inp[(i0 + 3) * c + k] : 0f;
          if (accumulate && a0 == 0f && a1 == 0f && a2 == 0f && a3 == 0f) {
            continue; // gradients of positions without a loss are zero: skip their rows
          }
          System.arraycopy(weight, k * oc, row, 0, oc);
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
  private static float[] transpose(float[] m, int rows, int cols) {
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
      rowsTimes(par, dweight, true, null, transpose(inp, n, c), dout, c, n, oc);
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

  /** Below this inner dimension a dot product per output costs more than transposing W. */
  private static final int SHORT_DOT = 16;

  /**
   * out = inp · Wᵀ with W in PyTorch's Linear layout {@code [OC, C]} (the output head against the
   * token embedding, LoRA's A and B): one dot product along contiguous rows per output, or, when
   * those are shorter than {@link #SHORT_DOT} (LoRA's B, r long), rows of the output over a
   * transposed W, which vectorise.
   *
   * @param out [N, OC] (written)
   * @param inp [N, C]
   * @param weight [OC, C]
   */
  public static void forwardTransposed(Parallel par, float[] out, float[] inp, float[] weight, int n, int c, int oc) {
    if (c < SHORT_DOT) {
      rowsTimes(par, out, false, null, inp, transpose(weight, oc, c), n, c, oc);
      return;
    }
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
      // dinp += dout · W, W [OC, C] read as the [in, out] weight of rowsTimes
      rowsTimes(par, dinp, true, null, dout, weight, n, oc, c);
    }
    if (dweight != null) {
      // dweight += doutᵀ · inp
      rowsTimes(par, dweight, true, null, transpose(dout, n, oc), inp, oc, n, c);
    }
  }
}
