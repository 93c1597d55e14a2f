package io.swarmengine.learn;

import java.util.Arrays;
import java.util.Map;

/** Gradient buffers by parameter name, as a step's shards fill them (each shard its own buffer). */
public final class Gradients {
  private Gradients() {}

  /** Adds a shard's buffer into {@code into}, tensor by tensor, and zeroes the shard's for its next step. */
  public static void addAndZero(Map<String, float[]> into, Map<String, float[]> shard) {
    for (Map.Entry<String, float[]> e : into.entrySet()) {
      float[] g = e.getValue();
      float[] add = shard.get(e.getKey());
      for (int i = 0; i < g.length; i++) {
        g[i] += add[i];
      }
      Arrays.fill(add, 0f);
    }
  }
}
