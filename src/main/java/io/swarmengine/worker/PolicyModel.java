package io.swarmengine.worker;

import io.swarmengine.model.Gpt2;

/**
 * What a worker generates with: adapter {@code version} (0: the base model, no adapter) with its
 * content hash, applied to the base. {@code model} is null for a policy that computes nothing
 * (the null policy that measures the engine's own overhead).
 */
public record PolicyModel(long version, String sha256, Gpt2 model) {
  public static PolicyModel base(Gpt2 base) {
    return new PolicyModel(0, null, base);
  }
}
