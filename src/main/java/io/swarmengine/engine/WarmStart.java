package io.swarmengine.engine;

import io.swarmengine.env.Environment;
import io.swarmengine.env.Task;
import io.swarmengine.learn.Gradients;
import io.swarmengine.learn.Optimizer;
import io.swarmengine.model.Gpt2;
import io.swarmengine.model.Tokenizer;
import io.swarmengine.model.ops.CrossEntropy;
import io.swarmengine.model.ops.Parallel;
import io.swarmengine.policy.OptimizerKind;
import io.swarmengine.replay.Episode;
import io.swarmengine.replay.Turn;
import io.swarmengine.worker.ModelRollouts;
import io.swarmengine.worker.PolicyModel;
import io.swarmengine.worker.RolloutSettings;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Supervised warm start of a fresh base model on the task's demonstrations: every parameter learns
 * (AdamW, cross-entropy on the action tokens, each ended by EOS), so that the model starts the
 * self-improvement loop able to answer sometimes. LoRA alone cannot get there from a random model:
 * its tied head keeps the logits near zero. Stops early at the target greedy success rate.
 */
public final class WarmStart {

  /** Steps, demonstrations per step, AdamW's lr, the greedy success to stop at, evaluation size and period. */
  public record Settings(int steps, int batch, double lr, double targetSuccess, int eval, int evalEvery) {}

  /** Where the warm start ended: steps taken, the last loss, and the greedy success rate measured last. */
  public record Result(int steps, double loss, double success) {}

  private static final long EVAL_SEEDS = 0x6576616cL;

  private WarmStart() {}

  /**
   * Trains {@code model} in place, each step's demonstrations split into one shard per thread of
   * {@code par}, each shard's gradients in a buffer of its own, summed in shard order (so the result
   * depends on the thread count only at float rounding). With a {@code checkpoint} (null: none) it
   * goes on from the one saved there, and saves one at each evaluation it does not stop at.
   *
   * @throws IllegalArgumentException when the task has no demonstrations
   */
  static Result run(Gpt2 model, Task task, Tokenizer tokenizer, Settings settings, int maxTokens, long seed,
      Parallel par, WarmStartCheckpoint checkpoint, Consumer<String> progress) {
    if (task.demonstration(seed).isEmpty()) {
      throw new IllegalArgumentException("task " + task.name() + " has no demonstrations to warm-start from; "
          + "set swarm.model.warm-start.steps = 0 or give the run a base model");
    }
    Optimizer optimizer = new Optimizer();
    int shards = Math.max(1, Math.min(par.threads(), settings.batch()));
    List<Map<String, float[]>> grads = new ArrayList<>(shards);
    for (int k = 0; k < shards; k++) {
      grads.add(model.zeroGradients());
    }
    double[] lossSums = new double[shards];
    long[] lossTokens = new long[shards];
    WarmStartCheckpoint.Progress resumed = checkpoint == null ? WarmStartCheckpoint.Progress.NONE
        : checkpoint.restore(model, optimizer, progress);
    int step = resumed.step();
    double loss = resumed.loss();
    double success = Double.NaN;
    long started = System.nanoTime();
    while (step < settings.steps()) {
      long first = seed + (long) step * settings.batch();
      par.forRange(shards, 1, (from, to) -> {
        for (int k = from; k < to; k++) {
          lossSums[k] = 0;
          lossTokens[k] = 0;
          // shard k: demonstrations [k·batch/shards, (k+1)·batch/shards) of the step
          for (int b = k * settings.batch() / shards; b < (k + 1) * settings.batch() / shards; b++) {
            accumulate(model, task, tokenizer, first + b, settings.batch(), grads.get(k), lossSums, lossTokens, k);
          }
        }
      });
      Map<String, float[]> sum = grads.get(0);
      double lossSum = lossSums[0];
      long tokens = lossTokens[0];
      for (int k = 1; k < shards; k++) {
        Gradients.addAndZero(sum, grads.get(k));
        lossSum += lossSums[k];
        tokens += lossTokens[k];
      }
      optimizer.step(model.parameters(), sum, OptimizerKind.ADAM, settings.lr(), 1.0, 0.9, 0.0);
      loss = lossSum / Math.max(1, tokens);
      step++;
      if (step % settings.evalEvery() == 0 || step == settings.steps()) {
        success = greedySuccess(model, task, tokenizer, settings.eval(), maxTokens, par);
        boolean done = success >= settings.targetSuccess();
        if (!done && checkpoint != null && step < settings.steps()) {
          save(checkpoint, new WarmStartCheckpoint.Progress(step, loss), model, optimizer, progress); // before the line: a stop once it shows loses nothing
        }
        progress.accept(String.format(java.util.Locale.ROOT,
            "warm start: step %d/%d  loss %.3f  greedy success %.1f%%  (%.0f s)", step, settings.steps(), loss,
            100 * success, (System.nanoTime() - started) / 1e9));
        if (done) {
          break;
        }
      }
    }
    if (Double.isNaN(success)) { // went on from a checkpoint at or past the steps asked for now
      success = greedySuccess(model, task, tokenizer, settings.eval(), maxTokens, par);
    }
    return new Result(step, loss, success);
  }

  /** A checkpoint that cannot be written costs only what a stop would then lose: the warm start goes on. */
  private static void save(WarmStartCheckpoint checkpoint, WarmStartCheckpoint.Progress reached, Gpt2 model,
      Optimizer optimizer, Consumer<String> progress) {
    try {
      checkpoint.save(reached, model, optimizer);
    } catch (IOException e) {
      progress.accept("warm start: cannot save its progress to " + checkpoint.file() + " (" + e.getMessage()
          + "); going on without");
    }
  }

  /**
   * Adds one demonstration's cross-entropy gradient on its action tokens, weighted 1/(its action
   * tokens · batch), into {@code grads}, and its summed loss and token count into shard {@code k}'s sums.
   */
  private static void accumulate(Gpt2 model, Task task, Tokenizer tokenizer, long demoSeed, int batch,
      Map<String, float[]> grads, double[] lossSums, long[] lossTokens, int k) {
    int v = model.config.vocab();
    Episode demo = demonstration(task, tokenizer, demoSeed, model.config.positions());
    int[] seq = sequence(demo);
    int[] targets = new int[seq.length];
    float[] dloss = new float[seq.length];
    int trained = markActions(demo, targets, seq);
    boolean[] isAction = new boolean[seq.length];
    for (int i = 0; i < seq.length; i++) {
      isAction[i] = targets[i] >= 0;
      targets[i] = Math.max(0, targets[i]); // not trained: zero weight, any valid index
    }
    Gpt2.Pass pass = model.forward(seq);
    float[] probs = new float[seq.length * v];
    float[] losses = new float[seq.length];
    CrossEntropy.forward(Parallel.sequential(), losses, probs, pass.logits, targets, seq.length, v);
    for (int i = 0; i < seq.length; i++) {
      if (isAction[i]) {
        dloss[i] = 1f / (trained * batch);
        lossSums[k] += losses[i];
        lossTokens[k]++;
      }
    }
    float[] dlogits = new float[pass.logits.length];
    CrossEntropy.backward(dlogits, dloss, probs, targets, seq.length, v);
    model.backward(pass, dlogits, grads);
  }

  /** The share of {@code episodes} held-out episodes the model solves answering greedily, split over {@code par}'s threads. */
  public static double greedySuccess(Gpt2 model, Task task, Tokenizer tokenizer, int episodes, int maxTokens, Parallel par) {
    int shards = Math.max(1, Math.min(par.threads(), episodes));
    int[] solved = new int[shards];
    par.forRange(shards, 1, (from, to) -> {
      for (int k = from; k < to; k++) {
        solved[k] = solvedGreedily(model, task, tokenizer, k * episodes / shards, (k + 1) * episodes / shards, maxTokens);
      }
    });
    return (double) Arrays.stream(solved).sum() / Math.max(1, episodes);
  }

  /** How many of held-out episodes [from, to) the model solves answering greedily. */
  private static int solvedGreedily(Gpt2 model, Task task, Tokenizer tokenizer, int from, int to, int maxTokens) {
    ModelRollouts greedy = new ModelRollouts(tokenizer, new RolloutSettings(1, 0f, 0, 1f, maxTokens, 16));
    PolicyModel policy = PolicyModel.base(model);
    int solved = 0;
    for (int i = from; i < to; i++) {
      Episode e = greedy.play(task, EVAL_SEEDS + i * 0x9e3779b97f4a7c15L, policy, i).get(0);
      if (e.totalReward() >= task.successReward() - 1e-9) {
        solved++;
      }
    }
    return solved;
  }

  /** The task's correct episode from {@code seed}, each action ended by EOS, cut to fit the context. */
  static Episode demonstration(Task task, Tokenizer tokenizer, long seed, int context) {
    List<String> actions = task.demonstration(seed).orElseThrow();
    Environment env = task.start(seed);
    List<Turn> turns = new ArrayList<>();
    for (int i = 0; i < actions.size(); i++) {
      int[] obs = tokenizer.encode(env.observation());
      if (i == 0) {
        obs = prepend(tokenizer.bos(), obs);
      }
      int[] text = tokenizer.encode(actions.get(i));
      int[] action = Arrays.copyOf(text, text.length + 1);
      action[action.length - 1] = tokenizer.eos();
      Environment.Step step = env.act(actions.get(i));
      turns.add(new Turn(obs, action, new float[action.length], (float) step.reward()));
      if (step.done()) {
        break;
      }
    }
    Episode e = new Episode(turns);
    return e.tokens() <= context ? e : new Episode(turns.subList(0, 1));
  }

  private static int[] sequence(Episode e) {
    int[] out = new int[e.tokens()];
    int at = 0;
    for (Turn t : e.turns()) {
      System.arraycopy(t.observation(), 0, out, at, t.observation().length);
      at += t.observation().length;
      System.arraycopy(t.action(), 0, out, at, t.action().length);
      at += t.action().length;
    }
    return out;
  }

  /** targets[i] = the next token where it is an action token, else −1; returns how many. */
  private static int markActions(Episode e, int[] targets, int[] seq) {
    Arrays.fill(targets, -1);
    int at = 0;
    int n = 0;
    for (Turn t : e.turns()) {
      at += t.observation().length;
      for (int k = 0; k < t.action().length; k++) {
        int p = at + k;
        if (p >= 1) {
          targets[p - 1] = seq[p];
          n++;
        }
      }
      at += t.action().length;
    }
    return n;
  }

  private static int[] prepend(int x, int[] a) {
    int[] out = new int[a.length + 1];
    out[0] = x;
    System.arraycopy(a, 0, out, 1, a.length);
    return out;
  }
}
