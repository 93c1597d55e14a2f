package io.swarmengine.worker;

import io.swarmengine.env.Task;
import io.swarmengine.replay.Episode;
import java.util.List;

/** Plays the episodes of one group: G episodes of {@code task} from the initial observation of {@code seed}. */
public interface Rollouts {

  /**
   * The group's episodes under {@code policy}, each turn with its observation and action tokens,
   * the action tokens' behaviour log-probabilities and the reward. {@code samplingSeed} makes the
   * draw reproducible.
   */
  List<Episode> play(Task task, long seed, PolicyModel policy, long samplingSeed);

  /** G, the episodes in one group. */
  int groupSize();
}
