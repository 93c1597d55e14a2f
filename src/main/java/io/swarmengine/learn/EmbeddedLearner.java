package io.swarmengine.learn;

import io.swarmengine.metrics.ComputeMeter;
import io.swarmengine.model.Gpt2;
import io.swarmengine.model.LoraAdapter;
import io.swarmengine.model.ModelFormatException;
import io.swarmengine.model.Safetensors;
import io.swarmengine.model.ops.LogSoftmax;
import io.swarmengine.model.ops.Parallel;
import io.swarmengine.policy.OptimizerKind;
import io.swarmengine.policy.TrainScope;
import io.swarmengine.replay.Episode;
import io.swarmengine.replay.Turn;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The default learner: the GPT-2 and its LoRA adapter in this JVM, on the CPU. The schedule's
 * scope picks what learns: {@code attn} and {@code ffn} the adapter's A and B on those modules,
 * {@code embed}, {@code attn_norm}, {@code ffn_norm}, {@code head} and {@code bias} copies of the
 * base model's parameters that travel with the adapter, {@code all} everything, {@code none}
 * nothing.
 */
public final class EmbeddedLearner implements Learner {
  private final Gpt2 base;
  private final Gpt2 model;
  private final LoraAdapter adapter;
  private final Map<String, float[]> trainable = new LinkedHashMap<>();
  private final Map<String, float[]> grads = new LinkedHashMap<>();
  private final Optimizer optimizer = new Optimizer();
  /** Draws the seeds of the adapter's LoRA dropout masks in training passes. */
  private final java.util.SplittableRandom dropout = new java.util.SplittableRandom(0x5eed);
  private final double weightDecay;
  /** Runs a step's episodes in parallel shards; the model's own matrix products are then sequential. */
  private final Parallel episodes;
  private final List<Map<String, float[]>> shardGrads = new ArrayList<>();

  /**
   * A learner that trains {@code adapter} on {@code base}. Base parameters in scope are trained as
   * the adapter's own copies (PEFT's modules_to_save), so the base model itself never changes.
   */
  public EmbeddedLearner(Gpt2 base, LoraAdapter adapter, TrainScope scope, double weightDecay) {
    this(base, adapter, scope, weightDecay, Parallel.sequential());
  }

  /**
   * As {@link #EmbeddedLearner(Gpt2, LoraAdapter, TrainScope, double)}, with a step's episodes
   * split into one shard per thread of {@code episodes}, each shard's gradients in a buffer of its
   * own, summed in shard order (so a result depends on the thread count only at float rounding).
   * Meant for small models with a sequential base, whose matrix products are too small to split.
   */
  public EmbeddedLearner(Gpt2 base, LoraAdapter adapter, TrainScope scope, double weightDecay, Parallel episodes) {
    Gpt2 plain = base.withAdapter(null);
    for (Map.Entry<String, float[]> e : plain.parameters().entrySet()) {
      String owner = scopeOf(e.getKey());
      if (!owner.equals(LORA_ADAPTED) && !scope.isNone() && scope.contains(owner)) {
        trainable.put(e.getKey(), adapter.keep(e.getKey(), e.getValue()));
      }
    }
    for (Map.Entry<String, float[]> e : adapter.tensors().entrySet()) {
      String module = e.getKey().contains(".attn.") ? "attn" : "ffn";
      if (scope.contains(module) && !scope.isNone()) {
        trainable.put(e.getKey(), e.getValue());
      }
    }
    this.base = plain;
    this.model = base.withAdapter(adapter);
    this.adapter = adapter;
    this.weightDecay = weightDecay;
    this.episodes = episodes;
    trainable.forEach((name, a) -> grads.put(name, new float[a.length]));
  }

  /** The base weights LoRA adapts: never trained whole, whatever the scope. */
  private static final String LORA_ADAPTED = "lora-adapted";
  private static final String STATE_FILE = "learner_state.safetensors";
  /** The state's metadata key for what it belongs to ({@link #saveState}'s {@code of}). */
  private static final String STATE_OF = "of";
  private static final String STATE_CRC = "crc32";
  /** Shards of a step per thread of {@link #episodes}: one that finishes early takes another. */
  private static final int SHARDS_PER_THREAD = 4;

  /** The scope a base parameter belongs to. */
  static String scopeOf(String name) {
    if (name.startsWith("transformer.wte") || name.startsWith("transformer.wpe")) {
      return "embed";
    }
    if (name.contains(".ln_1.")) {
      return "attn_norm";
    }
    if (name.contains(".ln_2.") || name.startsWith("transformer.ln_f")) {
      return "ffn_norm";
    }
    if (name.startsWith("lm_head")) {
      return "head";
    }
    if (name.endsWith(".bias")) {
      return "bias";
    }
    return LORA_ADAPTED;
  }

  /** The gradient accumulated so far for a trainable tensor (live; zeroed by each optimizer step). */
  public float[] gradient(String name) {
    return grads.get(name);
  }

  /** The names of the tensors that learn. */
  public List<String> trainableNames() {
    return List.copyOf(trainable.keySet());
  }

  /** One episode laid out as a sequence: its tokens and where its trained action tokens sit. */
  private record Layout(int[] tokens, int[] actionPositions, float[] oldLogprobs) {}

  /** The episode's turns, cut to the model's context from the left; the last {@code bptt} turns train. */
  private Layout layout(Episode episode, int bptt) {
    List<Turn> turns = episode.turns();
    int total = 0;
    for (Turn t : turns) {
      total += t.tokens();
    }
    int[] all = new int[total];
    List<Integer> positions = new ArrayList<>();
    List<Float> olds = new ArrayList<>();
    int at = 0;
    int firstTrained = Math.max(0, turns.size() - bptt);
    for (int i = 0; i < turns.size(); i++) {
      Turn t = turns.get(i);
      System.arraycopy(t.observation(), 0, all, at, t.observation().length);
      at += t.observation().length;
      for (int k = 0; k < t.action().length; k++) {
        if (i >= firstTrained) {
          positions.add(at + k);
          olds.add(t.logprobs()[k]);
        }
      }
      System.arraycopy(t.action(), 0, all, at, t.action().length);
      at += t.action().length;
    }
    int cut = Math.max(0, total - model.config.positions());
    int[] tokens = java.util.Arrays.copyOfRange(all, cut, total);
    List<Integer> kept = new ArrayList<>();
    List<Float> keptOld = new ArrayList<>();
    for (int i = 0; i < positions.size(); i++) {
      int p = positions.get(i) - cut;
      if (p >= 1) { // the first token has nothing before it to predict it
        kept.add(p);
        keptOld.add(olds.get(i));
      }
    }
    int[] pos = kept.stream().mapToInt(Integer::intValue).toArray();
    float[] old = new float[keptOld.size()];
    for (int i = 0; i < old.length; i++) {
      old[i] = keptOld.get(i);
    }
    return new Layout(tokens, pos, old);
  }

  /**
   * log softmax(logits[p-1] / T)[tokens[p]] for each action position p, T = 1 / {@code invT};
   * {@code lse} receives each row's log Σ exp(logit / T), which the backward pass reuses.
   */
  private static float[] logprobs(float[] logits, int v, int[] tokens, int[] positions, double invT, double[] lse) {
    float[] out = new float[positions.length];
    for (int i = 0; i < positions.length; i++) {
      int row = (positions[i] - 1) * v;
      double rowLse = LogSoftmax.logSumExp(logits, row, v, invT);
      if (lse != null) {
        lse[i] = rowLse;
      }
      out[i] = (float) (logits[row + tokens[positions[i]]] * invT - rowLse);
    }
    return out;
  }

  private static double[] advantages(LossSettings.Kind kind, double[] rewards) {
    int g = rewards.length;
    if (spread(rewards) == 0) {
      return new double[g]; // exactly zero, not the rounding error of the mean
    }
    double mean = 0;
    for (double r : rewards) {
      mean += r;
    }
    mean /= g;
    double var = 0;
    for (double r : rewards) {
      var += (r - mean) * (r - mean);
    }
    double std = g > 1 ? Math.sqrt(var / (g - 1)) : 0;
    double[] a = new double[g];
    for (int i = 0; i < g; i++) {
      a[i] = switch (kind) {
        case DR_GRPO, REINFORCE -> rewards[i] - mean;
        case SFT -> 0;
        default -> g > 1 ? (rewards[i] - mean) / (std + 1e-4) : 0;
      };
    }
    return a;
  }

  /** One episode's share of a step: its layout, advantage, loss coefficient and dropout seed. */
  private record Item(Layout layout, double advantage, double coef, long dropoutSeed) {}

  /**
   * The items' indices split into {@code shards} lists of about equal cost (longest first, each to
   * the least loaded shard), each in batch order: a step waits for its slowest shard, and episodes
   * differ in length and in whether they need a backward pass. The split depends on the batch
   * alone, so a step's result does not depend on thread timing.
   */
  private static int[][] balancedShards(List<Item> items, int shards, LossSettings loss) {
    long[] cost = new long[items.size()];
    Integer[] order = new Integer[items.size()];
    for (int i = 0; i < cost.length; i++) {
      Item item = items.get(i);
      boolean backward = item.advantage() != 0 || loss.klBeta() > 0 || loss.kind() == LossSettings.Kind.SFT;
      cost[i] = (long) item.layout().tokens().length * (backward ? 3 : 1); // backward costs about twice forward
      order[i] = i;
    }
    java.util.Arrays.sort(order, (a, b) -> cost[a] != cost[b] ? Long.compare(cost[b], cost[a]) : Integer.compare(a, b));
    long[] load = new long[shards];
    List<List<Integer>> into = new ArrayList<>();
    for (int k = 0; k < shards; k++) {
      into.add(new ArrayList<>());
    }
    for (int i : order) {
      int least = 0;
      for (int k = 1; k < shards; k++) {
        if (load[k] < load[least]) {
          least = k;
        }
      }
      load[least] += cost[i];
      into.get(least).add(i);
    }
    int[][] out = new int[shards][];
    for (int k = 0; k < shards; k++) {
      out[k] = into.get(k).stream().mapToInt(Integer::intValue).sorted().toArray();
    }
    return out;
  }

  private static boolean allZero(double[] values) {
    for (double v : values) {
      if (v != 0) {
        return false;
      }
    }
    return true;
  }

  @Override
  public StepMetrics forwardBackward(List<WeightedGroup> batch, LossSettings loss, int bptt) {
    long started = System.nanoTime();
    long startedCpu = ComputeMeter.threadCpuNanos();
    if (bptt < 1) {
      throw new IllegalArgumentException("bptt must be >= 1, got " + bptt);
    }
    // lay every episode out first: the normalisers need the batch's token counts
    List<WeightedGroup> kept = new ArrayList<>();
    List<List<Layout>> layouts = new ArrayList<>();
    int dropped = 0;
    long batchTokens = 0;
    int longest = 1;
    for (WeightedGroup wg : batch) {
      double[] rewards = wg.group().totalRewards();
      if (loss.kind() == LossSettings.Kind.DAPO && spread(rewards) == 0) {
        dropped++;
        continue;
      }
      List<Layout> ls = new ArrayList<>();
      for (Episode e : wg.group().episodes()) {
        Layout l = layout(e, bptt);
        ls.add(l);
        batchTokens += l.actionPositions().length;
        longest = Math.max(longest, l.actionPositions().length);
      }
      kept.add(wg);
      layouts.add(ls);
    }
    double norm = loss.normConstant() > 0 ? loss.normConstant() : longest;
    List<Item> items = new ArrayList<>();
    for (int gi = 0; gi < kept.size(); gi++) {
      WeightedGroup wg = kept.get(gi);
      double[] adv = advantages(loss.kind(), wg.group().totalRewards());
      List<Layout> ls = layouts.get(gi);
      for (int ei = 0; ei < ls.size(); ei++) {
        Layout l = ls.get(ei);
        int n = l.actionPositions().length;
        if (n == 0) {
          continue;
        }
        double perEpisode = wg.weight() / (ls.size() * (double) kept.size());
        double coef = switch (loss.kind()) {
          case DAPO -> wg.weight() / Math.max(1, batchTokens);
          case DR_GRPO -> perEpisode / norm;
          default -> perEpisode / n;
        };
        // drawn in batch order, so the masks do not depend on which thread runs the episode
        items.add(new Item(l, adv[ei], coef, dropout.nextLong()));
      }
    }
    // shards of about equal cost, each into its own gradient buffer, summed in shard order; a few
    // per thread, so a thread that finishes early (or was preempted less) takes another
    int shards = Math.max(1, Math.min(episodes.threads() == 1 ? 1 : SHARDS_PER_THREAD * episodes.threads(), items.size()));
    int[][] shardItems = balancedShards(items, shards, loss);
    TokenLoss.Sums[] sums = new TokenLoss.Sums[shards];
    java.util.concurrent.atomic.LongAdder cpu = new java.util.concurrent.atomic.LongAdder();
    long layoutCpu = ComputeMeter.threadCpuNanos() - startedCpu;
    episodes.forRange(shards, 1, (from, to) -> {
      long shardStarted = ComputeMeter.threadCpuNanos();
      for (int k = from; k < to; k++) {
        sums[k] = new TokenLoss.Sums();
        Map<String, float[]> into = k == 0 ? grads : shardGrads(k);
        for (int i : shardItems[k]) {
          train(items.get(i), loss, into, sums[k]);
        }
      }
      cpu.add(ComputeMeter.threadCpuNanos() - shardStarted);
    });
    long mergeStarted = ComputeMeter.threadCpuNanos();
    TokenLoss.Sums total = sums[0];
    for (int k = 1; k < shards; k++) {
      Gradients.addAndZero(grads, shardGrads(k));
      total.add(sums[k]);
    }
    long tokens = Math.max(1, total.tokens);
    long cpuNanos = startedCpu < 0 ? -1 : layoutCpu + cpu.sum() + ComputeMeter.threadCpuNanos() - mergeStarted;
    return new StepMetrics(
        total.loss, total.ratio / tokens, (double) total.clipped / tokens, total.kl / tokens, total.tokens, dropped,
        (System.nanoTime() - started) / 1_000_000, cpuNanos);
  }

  /** Shard k's gradient buffer (k ≥ 1; shard 0 writes into {@link #grads}), kept zeroed between steps. */
  private Map<String, float[]> shardGrads(int k) {
    synchronized (shardGrads) {
      while (shardGrads.size() < k) {
        Map<String, float[]> buffer = new LinkedHashMap<>();
        trainable.forEach((name, a) -> buffer.put(name, new float[a.length]));
        shardGrads.add(buffer);
      }
      return shardGrads.get(k - 1);
    }
  }

  /** Forward, the loss's gradient at the action tokens' logits, backward into {@code into}. */
  private void train(Item item, LossSettings loss, Map<String, float[]> into, TokenLoss.Sums sums) {
    Layout l = item.layout();
    int n = l.actionPositions().length;
    int v = model.config.vocab();
    double invT = 1 / loss.temperature();
    Gpt2.Pass pass = model.forward(l.tokens(), new java.util.SplittableRandom(item.dropoutSeed()));
    double[] lse = new double[n];
    float[] lpNew = logprobs(pass.logits, v, l.tokens(), l.actionPositions(), invT, lse);
    float[] lpRef = null;
    if (loss.klBeta() > 0) {
      lpRef = logprobs(base.forward(l.tokens()).logits, v, l.tokens(), l.actionPositions(), invT, null);
    }
    float[] lpOld = loss.kind() == LossSettings.Kind.SFT ? lpNew : l.oldLogprobs();
    double[] dlp = new double[n];
    TokenLoss.episode(loss, item.advantage(), lpNew, lpOld, lpRef, item.coef(), dlp, sums);
    if (allZero(dlp)) {
      return; // no gradient (GRPO's zero advantage, no KL term): backward would add exact zeros
    }
    float[] dlogits = new float[pass.logits.length];
    for (int i = 0; i < n; i++) {
      if (dlp[i] == 0) {
        continue;
      }
      // d log p(token) / d logit_j = (1[j = token] - softmax_j(logits / T)) / T
      int row = (l.actionPositions()[i] - 1) * v;
      int token = l.tokens()[l.actionPositions()[i]];
      double g = dlp[i] * invT;
      for (int j = 0; j < v; j++) {
        dlogits[row + j] += (float) (-g * Math.exp(pass.logits[row + j] * invT - lse[i]));
      }
      dlogits[row + token] += (float) g;
    }
    model.backward(pass, dlogits, into);
  }

  private static double spread(double[] rewards) {
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (double r : rewards) {
      min = Math.min(min, r);
      max = Math.max(max, r);
    }
    return max - min;
  }

  @Override
  public double optimStep(OptimizerKind kind, double lr, double clip, double momentum) {
    return optimizer.step(trainable, grads, kind, lr, clip, momentum, weightDecay);
  }

  @Override
  public void discardGradients() {
    grads.values().forEach(g -> java.util.Arrays.fill(g, 0f));
  }

  @Override
  public LoraAdapter exportAdapter() {
    return adapter.copy();
  }

  @Override
  public void saveState(Path dir, String of) throws IOException {
    Files.createDirectories(dir);
    Map<String, Safetensors.Tensor> out = new LinkedHashMap<>();
    trainable.forEach((name, a) -> out.put("weight." + name, Safetensors.Tensor.flat(a)));
    optimizer.moments().forEach((key, a) -> out.put(key, Safetensors.Tensor.flat(a)));
    // rewritten in place every step (a tenth of a new file's cost): the checksum tells a torn one
    Safetensors.overwrite(dir.resolve(STATE_FILE), Safetensors.encode(out,
        Map.of("optimizer_steps", Long.toString(optimizer.steps()), STATE_OF, of, STATE_CRC, Safetensors.crc32(out))));
  }

  @Override
  public boolean loadState(Path dir, String of) throws IOException, ModelFormatException {
    if (!Files.isRegularFile(dir.resolve(STATE_FILE))) {
      return false;
    }
    Safetensors.Contents in = Safetensors.read(dir.resolve(STATE_FILE));
    if (!of.equals(in.metadata().get(STATE_OF))) {
      return false;
    }
    if (!Safetensors.crc32(in.tensors()).equals(in.metadata().get(STATE_CRC))) {
      throw new ModelFormatException(dir + ": the learner state's tensors do not match its checksum (torn by a kill mid-write?)");
    }
    for (Map.Entry<String, float[]> e : trainable.entrySet()) { // all checked before any is copied
      Safetensors.Tensor t = in.tensors().get("weight." + e.getKey());
      if (t == null || t.data().length != e.getValue().length) {
        throw new ModelFormatException(dir + ": the learner state has no matching '" + e.getKey() + "'");
      }
    }
    for (Map.Entry<String, float[]> e : trainable.entrySet()) {
      float[] saved = in.tensors().get("weight." + e.getKey()).data();
      System.arraycopy(saved, 0, e.getValue(), 0, saved.length);
    }
    Map<String, float[]> moments = new LinkedHashMap<>();
    in.tensors().forEach((key, t) -> moments.put(key, t.data())); // restore takes the first. and second. ones
    optimizer.restore(moments, Long.parseLong(in.metadata().getOrDefault("optimizer_steps", "0")));
    return true;
  }
}
