package io.swarmengine.worker;

import io.swarmengine.env.Environment;
import io.swarmengine.env.Task;
import io.swarmengine.replay.Episode;
import io.swarmengine.replay.Turn;
import java.util.ArrayList;
import java.util.List;

/**
 * A policy that computes nothing: every action is empty. With it the loop's throughput is the
 * engine's own (leases, environment, journal, completion), which is what it measures.
 */
public final class NullRollouts implements Rollouts {
  private static final int[] NO_TOKENS = new int[0];
  private static final float[] NO_LOGPROBS = new float[0];
  private final int groupSize;

  public NullRollouts(int groupSize) {
    this.groupSize = groupSize;
  }

  @Override
  public int groupSize() {
    return groupSize;
  }

  @Override
  public List<Episode> play(Task task, long seed, PolicyModel policy, long samplingSeed) {
    List<Episode> out = new ArrayList<>(groupSize);
    for (int i = 0; i < groupSize; i++) {
      Environment env = task.start(seed);
      Environment.Step step = env.act("");
      out.add(new Episode(List.of(new Turn(NO_TOKENS, NO_TOKENS, NO_LOGPROBS, (float) step.reward()))));
    }
    return out;
  }
}
