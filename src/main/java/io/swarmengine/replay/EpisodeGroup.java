package io.swarmengine.replay;

import io.swarmengine.CborSerializable;
import java.util.List;
import java.util.Map;

/**
 * The replay's item: the G episodes that one worker produced at one position of the run, all from
 * the same initial observation, with the adapter version that produced them. GRPO-style losses
 * compare the episodes of a group with each other.
 */
public record EpisodeGroup(
    String id,
    long position,
    String workerId,
    long adapterVersion,
    List<Episode> episodes,
    Map<String, String> metadata,
    long createdAtMillis)
    implements CborSerializable {

  public EpisodeGroup {
    episodes = List.copyOf(episodes);
    metadata = Map.copyOf(metadata);
  }

  /** Each episode's total reward, in order. */
  public double[] totalRewards() {
    double[] out = new double[episodes.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = episodes.get(i).totalReward();
    }
    return out;
  }

  /** Observation and action tokens of all episodes. */
  public long tokens() {
    long n = 0;
    for (Episode e : episodes) {
      n += e.tokens();
    }
    return n;
  }
}
