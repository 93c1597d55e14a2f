package io.swarmengine.model;

import io.swarmengine.model.ops.Attention;
import io.swarmengine.model.ops.Encoder;
import io.swarmengine.model.ops.Gelu;
import io.swarmengine.model.ops.LayerNorm;
import io.swarmengine.model.ops.Matmul;
import io.swarmengine.model.ops.Parallel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * GPT-2 as Hugging Face's {@code GPT2LMHeadModel} computes it: token and learned position
 * embeddings, pre-LayerNorm blocks (ln_1, attention c_attn/c_proj, ln_2, MLP c_fc/c_proj with
 * GELU tanh), ln_f, and an output head tied to the token embedding unless the checkpoint has its
 * own {@code lm_head.weight}. Parameters are flat float arrays under their Hugging Face names,
 * Conv1D weights in {@code [in, out]} layout.
 */
public final class Gpt2 {
  private static final Pattern MASK_BUFFER = Pattern.compile("transformer\\.h\\.\\d+\\.attn\\.(bias|masked_bias)");

  public final GptConfig config;
  private final Map<String, float[]> params;
  private final Map<String, int[]> shapes;
  private final Parallel par;
  private final LoraAdapter adapter;
  /** The base model's own parameters (params, less what an adapter replaces). */
  private final Map<String, float[]> baseParams;
  /** Each block's tensor names, so that the hot paths build no strings. */
  final BlockNames[] blockNames;
  /** Per module of {@link LoraAdapter#MODULES}: whether the adapter wraps it. */
  private final boolean[] adapted;

  private Gpt2(
      GptConfig config, Map<String, float[]> params, Map<String, int[]> shapes, Parallel par, LoraAdapter adapter) {
    this(config, params, shapes, par, adapter, params);
  }

  private Gpt2(
      GptConfig config, Map<String, float[]> params, Map<String, int[]> shapes, Parallel par, LoraAdapter adapter,
      Map<String, float[]> baseParams) {
    this.config = config;
    this.params = params;
    this.shapes = shapes;
    this.par = par;
    this.adapter = adapter;
    this.baseParams = baseParams;
    this.blockNames = BlockNames.of(config.layers());
    this.adapted = new boolean[LoraAdapter.MODULES.size()];
    for (int m = 0; m < adapted.length; m++) {
      adapted[m] = adapter != null && adapter.targets(LoraAdapter.MODULES.get(m));
    }
  }

  /** This model with {@code adapter} applied (null: none); the base parameters are shared. */
  public Gpt2 withAdapter(LoraAdapter adapter) {
    if (adapter == null) {
      return new Gpt2(config, baseParams, shapes, par, null);
    }
    if (!adapter.model().equals(config)) {
      throw new IllegalArgumentException("the adapter was made for " + adapter.model() + ", not " + config);
    }
    // the parameters the adapter carries whole stand in for the base's
    Map<String, float[]> merged = new LinkedHashMap<>(baseParams);
    for (Map.Entry<String, float[]> e : adapter.savedParameters().entrySet()) {
      float[] base = baseParams.get(e.getKey());
      if (base == null || base.length != e.getValue().length) {
        throw new IllegalArgumentException("the adapter's '" + e.getKey() + "' does not fit this model");
      }
      merged.put(e.getKey(), e.getValue());
    }
    return new Gpt2(config, merged, shapes, par, adapter, baseParams);
  }

  public LoraAdapter adapter() {
    return adapter;
  }

  static String block(int layer, String rest) {
    return "transformer.h." + layer + "." + rest;
  }

  /** Every parameter's shape, in Hugging Face's names and layout. */
  static Map<String, int[]> shapesOf(GptConfig c, boolean ownHead) {
    int e = c.embd();
    Map<String, int[]> s = new LinkedHashMap<>();
    s.put("transformer.wte.weight", new int[] {c.vocab(), e});
    s.put("transformer.wpe.weight", new int[] {c.positions(), e});
    for (int l = 0; l < c.layers(); l++) {
      s.put(block(l, "ln_1.weight"), new int[] {e});
      s.put(block(l, "ln_1.bias"), new int[] {e});
      s.put(block(l, "attn.c_attn.weight"), new int[] {e, 3 * e});
      s.put(block(l, "attn.c_attn.bias"), new int[] {3 * e});
      s.put(block(l, "attn.c_proj.weight"), new int[] {e, e});
      s.put(block(l, "attn.c_proj.bias"), new int[] {e});
      s.put(block(l, "ln_2.weight"), new int[] {e});
      s.put(block(l, "ln_2.bias"), new int[] {e});
      s.put(block(l, "mlp.c_fc.weight"), new int[] {e, 4 * e});
      s.put(block(l, "mlp.c_fc.bias"), new int[] {4 * e});
      s.put(block(l, "mlp.c_proj.weight"), new int[] {4 * e, e});
      s.put(block(l, "mlp.c_proj.bias"), new int[] {e});
    }
    s.put("transformer.ln_f.weight", new int[] {e});
    s.put("transformer.ln_f.bias", new int[] {e});
    if (ownHead) {
      s.put("lm_head.weight", new int[] {c.vocab(), e});
    }
    return s;
  }

  private static int size(int[] shape) {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    return n;
  }

  /**
   * GPT-2's initialisation, seeded: weights and embeddings normal(0, 0.02), the residual
   * projections normal(0, 0.02/√(2·n_layer)), biases 0, LayerNorm weights 1.
   */
  public static Gpt2 random(GptConfig c, long seed, Parallel par) {
    Map<String, int[]> shapes = shapesOf(c, !c.tieWordEmbeddings());
    Map<String, float[]> params = new LinkedHashMap<>();
    SplittableRandom random = new SplittableRandom(seed);
    double residualStd = 0.02 / Math.sqrt(2.0 * c.layers());
    for (Map.Entry<String, int[]> e : shapes.entrySet()) {
      String name = e.getKey();
      float[] a = new float[size(e.getValue())];
      if (name.contains(".ln_")) {
        if (name.endsWith(".weight")) {
          Arrays.fill(a, 1f);
        }
      } else if (name.endsWith(".weight")) {
        double std = name.endsWith("c_proj.weight") ? residualStd : 0.02;
        for (int i = 0; i < a.length; i++) {
          a[i] = (float) (random.nextGaussian() * std);
        }
      }
      params.put(name, a);
    }
    return new Gpt2(c, params, shapes, par, null);
  }

  /** Reads a Hugging Face model folder: config.json and model.safetensors. */
  public static Gpt2 load(Path dir, Parallel par) throws ModelFormatException {
    GptConfig c = GptConfig.read(dir.resolve("config.json"));
    Path file = dir.resolve("model.safetensors");
    if (!Files.isRegularFile(file)) {
      throw new ModelFormatException(dir + " has no model.safetensors");
    }
    Safetensors.Contents contents = Safetensors.read(file);
    Map<String, Safetensors.Tensor> named = new TreeMap<>();
    for (Map.Entry<String, Safetensors.Tensor> e : contents.tensors().entrySet()) {
      String name = e.getKey();
      // checkpoints saved from GPT2Model have no "transformer." prefix
      if (!name.startsWith("transformer.") && !name.equals("lm_head.weight")) {
        name = "transformer." + name;
      }
      if (MASK_BUFFER.matcher(name).matches()) {
        continue; // the causal mask, a buffer, not a parameter
      }
      named.put(name, e.getValue());
    }
    Map<String, int[]> shapes = shapesOf(c, named.containsKey("lm_head.weight"));
    Map<String, float[]> params = new LinkedHashMap<>();
    for (String name : named.keySet()) {
      if (!shapes.containsKey(name)) {
        throw new ModelFormatException(file + ": tensor '" + name + "' is not a parameter of a GPT-2");
      }
    }
    for (Map.Entry<String, int[]> e : shapes.entrySet()) {
      Safetensors.Tensor t = named.get(e.getKey());
      if (t == null) {
        throw new ModelFormatException(file + ": tensor '" + e.getKey() + "' is missing");
      }
      if (!Arrays.equals(t.shape(), e.getValue())) {
        throw new ModelFormatException(
            file + ": tensor '" + e.getKey() + "' has shape " + Arrays.toString(t.shape()) + ", but config.json makes it "
                + Arrays.toString(e.getValue()));
      }
      params.put(e.getKey(), t.data());
    }
    return new Gpt2(c, params, shapes, par, null);
  }

  /** Writes config.json and model.safetensors (F32) into {@code dir}. */
  public void save(Path dir) throws IOException {
    Files.createDirectories(dir);
    config.write(dir.resolve("config.json"));
    Map<String, Safetensors.Tensor> tensors = new LinkedHashMap<>();
    for (Map.Entry<String, float[]> e : params.entrySet()) {
      tensors.put(e.getKey(), new Safetensors.Tensor("F32", shapes.get(e.getKey()), e.getValue()));
    }
    Safetensors.write(dir.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
  }

  /**
   * The parameters by name, with those an applied adapter carries in place of the base's (live
   * arrays: changing them changes the model).
   */
  public Map<String, float[]> parameters() {
    return params;
  }

  public Map<String, int[]> shapes() {
    return shapes;
  }

  /** A zeroed gradient for every tensor of the applied adapter (none without one). */
  public Map<String, float[]> zeroAdapterGradients() {
    Map<String, float[]> g = new LinkedHashMap<>();
    if (adapter != null) {
      adapter.tensors().forEach((name, a) -> g.put(name, new float[a.length]));
    }
    return g;
  }

  /** A zeroed gradient for every parameter. */
  public Map<String, float[]> zeroGradients() {
    Map<String, float[]> g = new LinkedHashMap<>();
    params.forEach((name, a) -> g.put(name, new float[a.length]));
    return g;
  }

  float[] p(String name) {
    return params.get(name);
  }

  float[] head() {
    float[] own = params.get("lm_head.weight");
    return own != null ? own : params.get("transformer.wte.weight");
  }

  /**
   * A block's linear module {@code LoraAdapter.MODULES[module]}: out = inp·W + b, plus
   * (alpha/r)·(inp·Aᵀ)·Bᵀ when the adapter targets it, keeping inp·Aᵀ in {@code mids[module]}
   * (when {@code mids} is given) for backward.
   *
   * @param out [N, OUT]
   * @param inp [N, IN]
   */
  void linear(float[][] mids, int l, int module, float[] out, float[] inp, int n, int in, int outDim) {
    linear(mids, null, null, l, module, out, inp, n, in, outDim);
  }

  /**
   * {@link #linear} in a training pass: with LoRA dropout p > 0 the LoRA path sees
   * {@code inp · mask}, each mask entry 0 with probability p and 1/(1−p) otherwise (PEFT's
   * {@code lora_dropout}); the mask is kept in {@code masks[module]} for backward.
   */
  private void linear(
      float[][] mids, float[][] masks, SplittableRandom dropout, int l, int module, float[] out, float[] inp, int n,
      int in, int outDim) {
    BlockNames names = blockNames[l];
    Matmul.forward(par, out, inp, p(names.weight[module]), p(names.bias[module]), n, in, outDim);
    if (!adapted[module]) {
      return;
    }
    int r = adapter.rank();
    float[] loraInput = inp;
    float p = adapter.settings().dropout();
    if (dropout != null && p > 0) {
      float keep = 1f / (1f - p);
      float[] mask = new float[n * in];
      loraInput = new float[n * in];
      for (int i = 0; i < mask.length; i++) {
        mask[i] = dropout.nextDouble() < p ? 0f : keep;
        loraInput[i] = inp[i] * mask[i];
      }
      masks[module] = mask;
    }
    float[] mid = new float[n * r];
    Matmul.forwardTransposed(par, mid, loraInput, adapter.tensors().get(names.loraA[module]), n, in, r);
    float[] delta = new float[n * outDim];
    Matmul.forwardTransposed(par, delta, mid, adapter.tensors().get(names.loraB[module]), n, r, outDim);
    float scale = adapter.scale();
    for (int i = 0; i < n * outDim; i++) {
      out[i] += scale * delta[i];
    }
    if (mids != null) {
      mids[module] = mid;
    }
  }

  /** Backward of {@link #linear}: accumulates dinp and the gradients present in {@code grads}. */
  private void linearBackward(
      float[][] mids, float[][] masks, int l, int module, float[] dinp, float[] dout, float[] inp, int n, int in,
      int outDim, Map<String, float[]> grads) {
    BlockNames names = blockNames[l];
    Matmul.backward(par, dinp, grads.get(names.weight[module]), grads.get(names.bias[module]), dout, inp,
        p(names.weight[module]), n, in, outDim);
    if (!adapted[module]) {
      return;
    }
    int r = adapter.rank();
    float scale = adapter.scale();
    float[] scaled = new float[n * outDim];
    for (int i = 0; i < scaled.length; i++) {
      scaled[i] = scale * dout[i];
    }
    float[] dmid = new float[n * r];
    float[] a = adapter.tensors().get(names.loraA[module]);
    Matmul.backwardTransposed(par, dmid, grads.get(names.loraB[module]), scaled, mids[module],
        adapter.tensors().get(names.loraB[module]), n, r, outDim);
    float[] mask = masks[module];
    if (mask == null) {
      Matmul.backwardTransposed(par, dinp, grads.get(names.loraA[module]), dmid, inp, a, n, in, r);
      return;
    }
    float[] loraInput = new float[n * in];
    for (int i = 0; i < loraInput.length; i++) {
      loraInput[i] = inp[i] * mask[i];
    }
    float[] dLoraInput = new float[n * in];
    Matmul.backwardTransposed(par, dLoraInput, grads.get(names.loraA[module]), dmid, loraInput, a, n, in, r);
    for (int i = 0; i < dLoraInput.length; i++) {
      dinp[i] += dLoraInput[i] * mask[i];
    }
  }

  /** One forward pass over a sequence: the logits, and every activation backward needs. */
  public final class Pass {
    final int t;
    final int[] tokens;
    final float[][] x;
    final float[][] ln1;
    final float[][] ln1Mean;
    final float[][] ln1Rstd;
    final float[][] qkv;
    final float[][] preatt;
    final float[][] att;
    final float[][] atty;
    final float[][] res2;
    final float[][] ln2;
    final float[][] ln2Mean;
    final float[][] ln2Rstd;
    final float[][] fch;
    final float[][] fchGelu;
    /** The LoRA path's x·Aᵀ [T, r] per layer and module (null where not adapted). */
    final float[][][] loraMid;
    /** LoRA dropout masks per layer and module (null: no dropout in this pass). */
    final float[][][] loraMask;
    final float[] lnf;
    final float[] lnfMean;
    final float[] lnfRstd;
    /** [T, V] */
    public final float[] logits;

    private Pass(int[] tokens) {
      int l = config.layers();
      int c = config.embd();
      int nh = config.heads();
      t = tokens.length;
      this.tokens = tokens;
      x = new float[l + 1][t * c];
      ln1 = new float[l][t * c];
      ln1Mean = new float[l][t];
      ln1Rstd = new float[l][t];
      qkv = new float[l][t * 3 * c];
      preatt = new float[l][nh * t * t];
      att = new float[l][nh * t * t];
      atty = new float[l][t * c];
      res2 = new float[l][t * c];
      ln2 = new float[l][t * c];
      ln2Mean = new float[l][t];
      ln2Rstd = new float[l][t];
      fch = new float[l][t * 4 * c];
      fchGelu = new float[l][t * 4 * c];
      loraMid = new float[l][LoraAdapter.MODULES.size()][];
      loraMask = new float[l][LoraAdapter.MODULES.size()][];
      lnf = new float[t * c];
      lnfMean = new float[t];
      lnfRstd = new float[t];
      logits = new float[t * config.vocab()];
    }

    public int length() {
      return t;
    }
  }

  /** Logits for every position of {@code tokens} (at most n_positions of them); no dropout. */
  public Pass forward(int[] tokens) {
    return forward(tokens, null);
  }

  /**
   * A training pass: as {@link #forward(int[])}, but with the adapter's LoRA dropout drawn from
   * {@code dropout} (null: none).
   */
  public Pass forward(int[] tokens, SplittableRandom dropout) {
    int t = tokens.length;
    if (t < 1 || t > config.positions()) {
      throw new IllegalArgumentException(t + " tokens; a GPT-2 of n_positions " + config.positions() + " takes 1 to that many");
    }
    for (int i = 0; i < t; i++) {
      if (tokens[i] < 0 || tokens[i] >= config.vocab()) {
        throw new IllegalArgumentException("token " + i + " is " + tokens[i] + ", outside [0, " + config.vocab() + ")");
      }
    }
    int c = config.embd();
    int nh = config.heads();
    float eps = config.layerNormEpsilon();
    Pass s = new Pass(tokens);
    int[] positions = new int[t];
    for (int i = 0; i < t; i++) {
      positions[i] = i;
    }
    Encoder.forward(s.x[0], tokens, positions, p("transformer.wte.weight"), p("transformer.wpe.weight"), t, c);
    float[] tmp = new float[t * 4 * c];
    for (int l = 0; l < config.layers(); l++) {
      BlockNames names = blockNames[l];
      LayerNorm.forward(s.ln1[l], s.ln1Mean[l], s.ln1Rstd[l], s.x[l], p(names.ln1Weight), p(names.ln1Bias), t, c, eps);
      linear(s.loraMid[l], s.loraMask[l], dropout, l, 0, s.qkv[l], s.ln1[l], t, c, 3 * c);
      Attention.forward(par, s.atty[l], s.preatt[l], s.att[l], s.qkv[l], t, c, nh);
      linear(s.loraMid[l], s.loraMask[l], dropout, l, 1, tmp, s.atty[l], t, c, c);
      for (int i = 0; i < t * c; i++) {
        s.res2[l][i] = s.x[l][i] + tmp[i];
      }
      LayerNorm.forward(s.ln2[l], s.ln2Mean[l], s.ln2Rstd[l], s.res2[l], p(names.ln2Weight), p(names.ln2Bias), t, c, eps);
      linear(s.loraMid[l], s.loraMask[l], dropout, l, 2, s.fch[l], s.ln2[l], t, c, 4 * c);
      Gelu.forward(s.fchGelu[l], s.fch[l], t * 4 * c);
      linear(s.loraMid[l], s.loraMask[l], dropout, l, 3, tmp, s.fchGelu[l], t, 4 * c, c);
      for (int i = 0; i < t * c; i++) {
        s.x[l + 1][i] = s.res2[l][i] + tmp[i];
      }
    }
    int last = config.layers();
    LayerNorm.forward(s.lnf, s.lnfMean, s.lnfRstd, s.x[last], p("transformer.ln_f.weight"), p("transformer.ln_f.bias"), t, c, eps);
    Matmul.forwardTransposed(par, s.logits, s.lnf, head(), t, c, config.vocab());
    return s;
  }

  /**
   * Accumulates into {@code grads} the gradient of a loss whose gradient with respect to the
   * pass's logits is {@code dlogits} [T, V]. A parameter without an entry in {@code grads} is
   * frozen: its gradient is not computed.
   */
  public void backward(Pass s, float[] dlogits, Map<String, float[]> grads) {
    int t = s.t;
    int c = config.embd();
    int nh = config.heads();
    float[] dlnf = new float[t * c];
    String headName = params.containsKey("lm_head.weight") ? "lm_head.weight" : "transformer.wte.weight";
    Matmul.backwardTransposed(par, dlnf, grads.get(headName), dlogits, s.lnf, head(), t, c, config.vocab());
    float[] dx = new float[t * c];
    LayerNorm.backward(dx, grads.get("transformer.ln_f.weight"), grads.get("transformer.ln_f.bias"), dlnf, s.x[config.layers()],
        p("transformer.ln_f.weight"), s.lnfMean, s.lnfRstd, t, c);
    float[] dfchGelu = new float[t * 4 * c];
    float[] dfch = new float[t * 4 * c];
    float[] dln = new float[t * c];
    float[] datty = new float[t * c];
    float[] dqkv = new float[t * 3 * c];
    for (int l = config.layers() - 1; l >= 0; l--) {
      BlockNames names = blockNames[l];
      // x[l+1] = res2 + mlp(ln_2(res2)): dx flows to res2 directly and through the MLP
      Arrays.fill(dfchGelu, 0f);
      linearBackward(s.loraMid[l], s.loraMask[l], l, 3, dfchGelu, dx, s.fchGelu[l], t, 4 * c, c, grads);
      Arrays.fill(dfch, 0f);
      Gelu.backward(dfch, s.fch[l], dfchGelu, t * 4 * c);
      Arrays.fill(dln, 0f);
      linearBackward(s.loraMid[l], s.loraMask[l], l, 2, dln, dfch, s.ln2[l], t, c, 4 * c, grads);
      float[] dres2 = dx.clone();
      LayerNorm.backward(dres2, grads.get(names.ln2Weight), grads.get(names.ln2Bias), dln, s.res2[l], p(names.ln2Weight),
          s.ln2Mean[l], s.ln2Rstd[l], t, c);
      // res2 = x[l] + attn(ln_1(x[l]))
      Arrays.fill(datty, 0f);
      linearBackward(s.loraMid[l], s.loraMask[l], l, 1, datty, dres2, s.atty[l], t, c, c, grads);
      Arrays.fill(dqkv, 0f);
      Attention.backward(par, dqkv, datty, s.qkv[l], s.att[l], t, c, nh);
      Arrays.fill(dln, 0f);
      linearBackward(s.loraMid[l], s.loraMask[l], l, 0, dln, dqkv, s.ln1[l], t, c, 3 * c, grads);
      dx = dres2;
      LayerNorm.backward(dx, grads.get(names.ln1Weight), grads.get(names.ln1Bias), dln, s.x[l], p(names.ln1Weight),
          s.ln1Mean[l], s.ln1Rstd[l], t, c);
    }
    int[] positions = new int[t];
    for (int i = 0; i < t; i++) {
      positions[i] = i;
    }
    Encoder.backward(grads.get("transformer.wte.weight"), grads.get("transformer.wpe.weight"), dx, s.tokens, positions, t, c);
  }
}
