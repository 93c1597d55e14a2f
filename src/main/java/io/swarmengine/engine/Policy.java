package io.swarmengine.engine;

import io.swarmengine.adapter.AdapterHub;
import io.swarmengine.metrics.ComputeMeter;
import io.swarmengine.model.Generator;
import io.swarmengine.model.ModelFormatException;
import io.swarmengine.model.Tokenizer;
import io.swarmengine.model.ops.Parallel;
import io.swarmengine.replay.Turn;
import io.swarmengine.worker.AdapterModels;
import io.swarmengine.worker.PolicyModel;
import io.swarmengine.worker.RolloutSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The engine's policy for an application's own agents: it always generates with the newest good
 * adapter (a version is swapped in whole once its files verified; a call in progress finishes on
 * the version it started with). Thread-safe: any number of agents may act at once.
 */
public final class Policy {

  /** One action: the text, the tokens the engine saw and produced, their log-probabilities, the version used. */
  public record Action(String text, int[] observationTokens, int[] actionTokens, float[] logprobs, long version) {
    /** This action as a replay turn with the reward the application's environment gave it. */
    public Turn turn(double reward) {
      if (!Double.isFinite(reward)) {
        throw new IllegalArgumentException("reward " + reward + " is not finite");
      }
      return new Turn(observationTokens, actionTokens, logprobs, (float) reward);
    }
  }

  private final Tokenizer tokenizer;
  private final RolloutSettings sampling;
  private final AdapterModels models;
  private final AtomicLong seeds;
  private final ComputeMeter meter;
  private volatile PolicyModel current;

  Policy(Tokenizer tokenizer, RolloutSettings sampling, AdapterModels models, long seed, ComputeMeter meter) {
    this.tokenizer = tokenizer;
    this.sampling = sampling;
    this.models = models;
    this.seeds = new AtomicLong(seed);
    this.meter = meter;
    this.current = PolicyModel.base(models.base());
  }

  /** The adapter version it generates with now (0: the base model). */
  public long version() {
    return current.version();
  }

  /** One completion of {@code observation} (the first turn: the engine adds BOS). */
  public Action act(String observation) {
    return act(observation, 1).get(0);
  }

  /** {@code samples} completions of {@code observation}, sharing one prompt: a GRPO group's first turns. */
  public List<Action> act(String observation, int samples) {
    int[] bosAndText = tokenizer.encode(observation);
    int[] prompt = new int[bosAndText.length + 1];
    prompt[0] = tokenizer.bos();
    System.arraycopy(bosAndText, 0, prompt, 1, bosAndText.length);
    return complete(prompt, samples);
  }

  /** {@code samples} completions of a prompt given as tokens (a later turn: history and observation). */
  public List<Action> complete(int[] prompt, int samples) {
    long started = ComputeMeter.threadCpuNanos();
    PolicyModel policy = current;
    Generator.Sampling s = sampling.sampling(samples, tokenizer, seeds.getAndIncrement());
    List<Action> out = new ArrayList<>(samples);
    for (Generator.Completion c : new Generator(policy.model(), Parallel.sequential()).generate(prompt, s)) {
      out.add(new Action(tokenizer.decode(c.tokens()), prompt.clone(), c.tokens(), c.logprobs(), policy.version()));
    }
    meter.addSince(started);
    return out;
  }

  /** Makes {@code version} (null: the base model) current, from the node's shared models (loaded and verified once). */
  void use(AdapterHub.Version version) throws ModelFormatException {
    if (version == null) {
      current = PolicyModel.base(models.base());
      return;
    }
    if (Objects.equals(current.sha256(), version.sha256()) && current.version() == version.number()) {
      return;
    }
    current = new PolicyModel(version.number(), version.sha256(), models.model(version.sha256()));
  }
}
