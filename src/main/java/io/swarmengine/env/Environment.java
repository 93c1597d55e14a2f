package io.swarmengine.env;

/**
 * One episode of a task: what the agent sees now, and the effect of its next action. Text in, text
 * out; the engine's tokenizer turns both into tokens.
 */
public interface Environment {

  /** What happened after an action: the next observation (empty when done), the reward, the end. */
  record Step(String observation, double reward, boolean done) {}

  /** The current observation: the first one right after {@link Task#start}. */
  String observation();

  /** Applies the agent's action (its raw completion text) and moves on. */
  Step act(String action);
}
