package io.swarmengine.worker;

import com.typesafe.config.Config;

/**
 * How workers sample: G episodes per group, temperature (0: greedy), top-k (0: off), top-p (1:
 * off), the most tokens of one action and the most turns of one episode.
 */
public record RolloutSettings(int groupSize, float temperature, int topK, float topP, int maxTokens, int maxTurns) {
  public RolloutSettings {
    if (groupSize < 1 || maxTokens < 1 || maxTurns < 1) {
      throw new IllegalArgumentException(
          "group-size, max-tokens and max-turns must be >= 1, got " + groupSize + ", " + maxTokens + ", " + maxTurns);
    }
    if (!(temperature >= 0) || topK < 0 || !(topP > 0 && topP <= 1)) {
      throw new IllegalArgumentException(
          "temperature must be >= 0, top-k >= 0 and top-p in (0, 1], got " + temperature + ", " + topK + ", " + topP);
    }
  }

  /**
   * How to sample {@code samples} completions: an action ends at the tokenizer's EOS or a line
   * break (the tasks read answers up to the first one).
   */
  public io.swarmengine.model.Generator.Sampling sampling(int samples, io.swarmengine.model.Tokenizer tokenizer, long seed) {
    return new io.swarmengine.model.Generator.Sampling(
        samples, temperature, topK, topP, maxTokens, new int[] {tokenizer.eos(), '\n'}, seed);
  }

  /** From a {@code swarm.rollout} block. */
  public static RolloutSettings fromConfig(Config rollout) {
    return new RolloutSettings(
        rollout.getInt("group-size"),
        (float) rollout.getDouble("temperature"),
        rollout.getInt("top-k"),
        (float) rollout.getDouble("top-p"),
        rollout.getInt("max-tokens"),
        rollout.getInt("max-turns"));
  }
}
