package io.swarmengine.replay;

import java.util.Arrays;

/**
 * One turn of an episode: the observation tokens the agent saw, the action tokens it produced,
 * each action token's log-probability under the adapter version that produced it, and the
 * turn's reward.
 */
public record Turn(int[] observation, int[] action, float[] logprobs, float reward) {

  public int tokens() {
    return observation.length + action.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Turn t
        && Arrays.equals(observation, t.observation)
        && Arrays.equals(action, t.action)
        && Arrays.equals(logprobs, t.logprobs)
        && Float.compare(reward, t.reward) == 0;
  }

  @Override
  public int hashCode() {
    return ((Arrays.hashCode(observation) * 31 + Arrays.hashCode(action)) * 31
            + Arrays.hashCode(logprobs))
        * 31
        + Float.hashCode(reward);
  }

  @Override
  public String toString() {
    return "Turn[observation=" + observation.length + " tokens, action=" + action.length
        + " tokens, reward=" + reward + "]";
  }
}
