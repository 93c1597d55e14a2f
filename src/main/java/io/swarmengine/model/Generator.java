package io.swarmengine.model;

import io.swarmengine.model.ops.LayerNorm;
import io.swarmengine.model.ops.Matmul;
import io.swarmengine.model.ops.Gelu;
import io.swarmengine.model.ops.Parallel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Generates G completions of one prompt with a key/value cache: the prompt runs once, its keys and
 * values are copied into each completion's cache, and then all unfinished completions advance one
 * token per step together (one matmul over the G rows instead of G).
 *
 * <p>Each sampled token comes with its log-probability under the sampling distribution before
 * top-k/top-p truncation, {@code log softmax(logits / temperature)}: the behaviour policy a
 * learner corrects for. A seeded call is deterministic.
 */
public final class Generator {

  /** How to sample: G completions, temperature (0: greedy), top-k (0: off), top-p (1: off). */
  public record Sampling(int samples, float temperature, int topK, float topP, int maxTokens, int[] stopTokens, long seed) {
    public Sampling {
      if (samples < 1 || maxTokens < 1) {
        throw new IllegalArgumentException("samples and maxTokens must be >= 1");
      }
      if (!(temperature >= 0) || topK < 0 || !(topP > 0 && topP <= 1)) {
        throw new IllegalArgumentException(
            "temperature must be >= 0, topK >= 0 and topP in (0, 1], got " + temperature + ", " + topK + ", " + topP);
      }
    }
  }

  /** A completion: its tokens, each one's log-probability, and why it ended (stop or length). */
  public record Completion(int[] tokens, float[] logprobs, String finishReason) {}

  private final Gpt2 model;
  private final Parallel par;

  public Generator(Gpt2 model, Parallel par) {
    this.model = model;
    this.par = par;
  }

  public List<Completion> generate(int[] prompt, Sampling s) {
    GptConfig c = model.config;
    if (prompt.length < 1 || prompt.length >= c.positions()) {
      throw new IllegalArgumentException(
          "the prompt has " + prompt.length + " tokens; it needs 1 to " + (c.positions() - 1) + " to leave room to generate");
    }
    int e = c.embd();
    int layers = c.layers();
    int maxNew = Math.min(s.maxTokens(), c.positions() - prompt.length);
    Gpt2.Pass pass = model.forward(prompt);
    int g = s.samples();
    // per sample and layer: keys and values [positions, C]
    float[][][] keys = new float[g][layers][];
    float[][][] values = new float[g][layers][];
    for (int l = 0; l < layers; l++) {
      float[] k = new float[c.positions() * e];
      float[] v = new float[c.positions() * e];
      for (int t = 0; t < prompt.length; t++) {
        System.arraycopy(pass.qkv[l], t * 3 * e + e, k, t * e, e);
        System.arraycopy(pass.qkv[l], t * 3 * e + 2 * e, v, t * e, e);
      }
      for (int i = 0; i < g; i++) {
        keys[i][l] = i == 0 ? k : k.clone();
        values[i][l] = i == 0 ? v : v.clone();
      }
    }
    int vocab = c.vocab();
    float[] lastLogits = Arrays.copyOfRange(pass.logits, (prompt.length - 1) * vocab, prompt.length * vocab);
    SplittableRandom random = new SplittableRandom(s.seed());
    int[][] tokens = new int[g][maxNew];
    float[][] logprobs = new float[g][maxNew];
    int[] produced = new int[g];
    String[] finish = new String[g];
    float[] logits = new float[g * vocab];
    for (int i = 0; i < g; i++) {
      System.arraycopy(lastLogits, 0, logits, i * vocab, vocab);
    }
    int[] active = new int[g];
    for (int i = 0; i < g; i++) {
      active[i] = i;
    }
    int n = g;
    for (int step = 0; n > 0; step++) {
      int pos = prompt.length + step;
      int[] next = new int[n];
      int stillActive = 0;
      int[] nextActive = new int[n];
      for (int a = 0; a < n; a++) {
        int i = active[a];
        float[] lp = new float[1];
        int token = sample(logits, a * vocab, vocab, s, random, lp);
        tokens[i][produced[i]] = token;
        logprobs[i][produced[i]] = lp[0];
        produced[i]++;
        if (contains(s.stopTokens(), token)) {
          finish[i] = "stop";
        } else if (produced[i] == maxNew) {
          finish[i] = "length";
        } else {
          next[stillActive] = token;
          nextActive[stillActive++] = i;
        }
      }
      n = stillActive;
      active = nextActive;
      if (n > 0) {
        logits = decode(Arrays.copyOf(next, n), Arrays.copyOf(active, n), pos, keys, values);
      }
    }
    List<Completion> out = new ArrayList<>(g);
    for (int i = 0; i < g; i++) {
      out.add(new Completion(Arrays.copyOf(tokens[i], produced[i]), Arrays.copyOf(logprobs[i], produced[i]), finish[i]));
    }
    return out;
  }

  private static boolean contains(int[] set, int x) {
    for (int y : set) {
      if (y == x) {
        return true;
      }
    }
    return false;
  }

  /** One step for {@code n} completions whose new tokens sit at {@code pos}: their next logits [n, V]. */
  private float[] decode(int[] tokens, int[] samples, int pos, float[][][] keys, float[][][] values) {
    GptConfig c = model.config;
    int n = tokens.length;
    int e = c.embd();
    int nh = c.heads();
    int hs = c.headSize();
    float eps = c.layerNormEpsilon();
    float[] x = new float[n * e];
    float[] wte = model.p("transformer.wte.weight");
    float[] wpe = model.p("transformer.wpe.weight");
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < e; j++) {
        x[i * e + j] = wte[tokens[i] * e + j] + wpe[pos * e + j];
      }
    }
    float[] ln = new float[n * e];
    float[] mean = new float[n];
    float[] rstd = new float[n];
    float[] qkv = new float[n * 3 * e];
    float[] y = new float[n * e];
    float[] tmp = new float[n * e];
    float[] fch = new float[n * 4 * e];
    float[] gelu = new float[n * 4 * e];
    float scale = (float) (1.0 / Math.sqrt(hs));
    for (int l = 0; l < c.layers(); l++) {
      final int layer = l;
      BlockNames names = model.blockNames[l];
      LayerNorm.forward(ln, mean, rstd, x, model.p(names.ln1Weight), model.p(names.ln1Bias), n, e, eps);
      model.linear(null, l, 0, qkv, ln, n, e, 3 * e);
      for (int i = 0; i < n; i++) {
        System.arraycopy(qkv, i * 3 * e + e, keys[samples[i]][l], pos * e, e);
        System.arraycopy(qkv, i * 3 * e + 2 * e, values[samples[i]][l], pos * e, e);
      }
      par.forRange(n * nh, 4, (from, to) -> {
        float[] att = new float[pos + 1];
        for (int ih = from; ih < to; ih++) {
          int i = ih / nh;
          int h = ih % nh;
          float[] k = keys[samples[i]][layer];
          float[] v = values[samples[i]][layer];
          int q = i * 3 * e + h * hs;
          float max = Float.NEGATIVE_INFINITY;
          for (int t = 0; t <= pos; t++) {
            float dot = 0;
            for (int d = 0; d < hs; d++) {
              dot += qkv[q + d] * k[t * e + h * hs + d];
            }
            att[t] = dot * scale;
            max = Math.max(max, att[t]);
          }
          float sum = 0;
          for (int t = 0; t <= pos; t++) {
            att[t] = (float) Math.exp(att[t] - max);
            sum += att[t];
          }
          int o = i * e + h * hs;
          Arrays.fill(y, o, o + hs, 0f);
          for (int t = 0; t <= pos; t++) {
            float a = att[t] / sum;
            for (int d = 0; d < hs; d++) {
              y[o + d] += a * v[t * e + h * hs + d];
            }
          }
        }
      });
      model.linear(null, l, 1, tmp, y, n, e, e);
      for (int i = 0; i < n * e; i++) {
        x[i] += tmp[i];
      }
      LayerNorm.forward(ln, mean, rstd, x, model.p(names.ln2Weight), model.p(names.ln2Bias), n, e, eps);
      model.linear(null, l, 2, fch, ln, n, e, 4 * e);
      Gelu.forward(gelu, fch, n * 4 * e);
      model.linear(null, l, 3, tmp, gelu, n, 4 * e, e);
      for (int i = 0; i < n * e; i++) {
        x[i] += tmp[i];
      }
    }
    LayerNorm.forward(ln, mean, rstd, x, model.p("transformer.ln_f.weight"), model.p("transformer.ln_f.bias"), n, e, eps);
    float[] logits = new float[n * c.vocab()];
    Matmul.forwardTransposed(par, logits, ln, model.head(), n, e, c.vocab());
    return logits;
  }

  /**
   * Samples one token from {@code logits[off, off+v)}: greedy at temperature 0, else from the
   * tempered distribution restricted to the top-k and the smallest set of mass ≥ top-p.
   * {@code logprob[0]} receives the token's log-probability under the tempered, untruncated
   * distribution (at temperature 0, under the model's own).
   */
  static int sample(float[] logits, int off, int v, Sampling s, SplittableRandom random, float[] logprob) {
    float temperature = s.temperature() == 0 ? 1f : s.temperature();
    double max = Double.NEGATIVE_INFINITY;
    for (int j = 0; j < v; j++) {
      max = Math.max(max, logits[off + j] / temperature);
    }
    double[] p = new double[v];
    double sum = 0;
    for (int j = 0; j < v; j++) {
      p[j] = Math.exp(logits[off + j] / temperature - max);
      sum += p[j];
    }
    double logSum = Math.log(sum);
    int token;
    if (s.temperature() == 0) {
      token = 0;
      for (int j = 1; j < v; j++) {
        if (logits[off + j] > logits[off + token]) {
          token = j;
        }
      }
    } else if ((s.topK() <= 0 || s.topK() >= v) && s.topP() >= 1) {
      // nothing truncated: draw from the whole distribution without ranking it
      double u = random.nextDouble() * sum;
      token = v - 1;
      for (int j = 0; j < v; j++) {
        u -= p[j];
        if (u < 0) {
          token = j;
          break;
        }
      }
    } else {
      Integer[] order = new Integer[v];
      for (int j = 0; j < v; j++) {
        order[j] = j;
      }
      Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
      int keep = s.topK() > 0 ? Math.min(s.topK(), v) : v;
      double mass = 0;
      int nucleus = 0;
      while (nucleus < keep) {
        mass += p[order[nucleus]] / sum;
        nucleus++;
        if (mass >= s.topP()) {
          break;
        }
      }
      double kept = 0;
      for (int r = 0; r < nucleus; r++) {
        kept += p[order[r]];
      }
      double u = random.nextDouble() * kept;
      token = order[nucleus - 1];
      for (int r = 0; r < nucleus; r++) {
        u -= p[order[r]];
        if (u < 0) {
          token = order[r];
          break;
        }
      }
    }
    logprob[0] = (float) (logits[off + token] / temperature - max - logSum);
    return token;
  }
}
