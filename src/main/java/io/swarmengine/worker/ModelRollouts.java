package io.swarmengine.worker;

import io.swarmengine.env.Environment;
import io.swarmengine.env.Task;
import io.swarmengine.model.Generator;
import io.swarmengine.model.Tokenizer;
import io.swarmengine.model.ops.Parallel;
import io.swarmengine.replay.Episode;
import io.swarmengine.replay.Turn;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Rollouts with the language model: the first turn's G completions share one prompt (one
 * generation call with a shared key/value cache); later turns of a multi-turn task continue each
 * episode from its own history. An episode's token stream is BOS, then each turn's observation and
 * action; an action stops at EOS or a line break, which it includes.
 */
public final class ModelRollouts implements Rollouts {
  private final Tokenizer tokenizer;
  private final RolloutSettings settings;

  public ModelRollouts(Tokenizer tokenizer, RolloutSettings settings) {
    this.tokenizer = tokenizer;
    this.settings = settings;
  }

  @Override
  public int groupSize() {
    return settings.groupSize();
  }

  @Override
  public List<Episode> play(Task task, long seed, PolicyModel policy, long samplingSeed) {
    int g = settings.groupSize();
    Generator generator = new Generator(policy.model(), Parallel.sequential());
    int contextLimit = policy.model().config.positions();
    Environment[] envs = new Environment[g];
    List<List<Turn>> turns = new ArrayList<>(g);
    int[][] history = new int[g][];
    for (int i = 0; i < g; i++) {
      envs[i] = task.start(seed);
      turns.add(new ArrayList<>());
    }
    int[] firstObservation = withBos(tokenizer.encode(envs[0].observation()));
    List<Generator.Completion> first =
        generator.generate(fit(firstObservation, contextLimit), sampling(g, samplingSeed));
    boolean[] done = new boolean[g];
    for (int i = 0; i < g; i++) {
      done[i] = step(envs[i], turns.get(i), firstObservation, first.get(i));
      history[i] = concat(firstObservation, first.get(i).tokens());
    }
    for (int turn = 1; turn < settings.maxTurns(); turn++) {
      for (int i = 0; i < g; i++) {
        if (done[i]) {
          continue;
        }
        int[] observation = tokenizer.encode(envs[i].observation());
        int[] prompt = fit(concat(history[i], observation), contextLimit);
        Generator.Completion c = generator.generate(prompt, sampling(1, samplingSeed + 7919L * turn + i)).get(0);
        done[i] = step(envs[i], turns.get(i), observation, c);
        history[i] = concat(concat(history[i], observation), c.tokens());
      }
    }
    List<Episode> episodes = new ArrayList<>(g);
    for (List<Turn> t : turns) {
      episodes.add(new Episode(t));
    }
    return episodes;
  }

  /** Acts with the completion and records the turn; true when the episode ended. */
  private boolean step(Environment env, List<Turn> turns, int[] observation, Generator.Completion c) {
    Environment.Step step = env.act(tokenizer.decode(c.tokens()));
    if (!Double.isFinite(step.reward())) {
      throw new IllegalStateException(
          "environment " + env.getClass().getName() + " returned the reward " + step.reward() + "; rewards must be finite");
    }
    turns.add(new Turn(observation, c.tokens(), c.logprobs(), (float) step.reward()));
    return step.done();
  }

  private Generator.Sampling sampling(int samples, long seed) {
    return settings.sampling(samples, tokenizer, seed);
  }

  private int[] withBos(int[] tokens) {
    return concat(new int[] {tokenizer.bos()}, tokens);
  }

  /** The prompt cut from the left so that at least one action token still fits the context. */
  private int[] fit(int[] prompt, int contextLimit) {
    int keep = Math.max(1, Math.min(prompt.length, contextLimit - Math.min(settings.maxTokens(), contextLimit - 1)));
    return prompt.length <= keep ? prompt : Arrays.copyOfRange(prompt, prompt.length - keep, prompt.length);
  }

  private static int[] concat(int[] a, int[] b) {
    int[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
