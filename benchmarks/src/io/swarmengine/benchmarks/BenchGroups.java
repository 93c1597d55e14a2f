package io.swarmengine.benchmarks;

import io.swarmengine.replay.Episode;
import io.swarmengine.replay.EpisodeGroup;
import io.swarmengine.replay.Turn;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Small episode groups for the replay benchmarks: G single-turn episodes of a few tokens. */
final class BenchGroups {
  private BenchGroups() {}

  /** A group of {@code g} episodes, 8 observation and 4 action tokens each. */
  static EpisodeGroup group(long n, int g) {
    List<Episode> episodes = new ArrayList<>(g);
    for (int e = 0; e < g; e++) {
      int[] obs = new int[8];
      int[] act = new int[4];
      float[] lp = new float[4];
      for (int i = 0; i < 8; i++) {
        obs[i] = (int) ((n * 31 + i) % 256);
      }
      for (int i = 0; i < 4; i++) {
        act[i] = (int) ((n * 17 + e + i) % 256);
        lp[i] = -0.1f * (i + 1);
      }
      episodes.add(new Episode(List.of(new Turn(obs, act, lp, (float) ((n + e) % 3)))));
    }
    return new EpisodeGroup("g" + n, n, "bench", n / 100_000, episodes, Map.of(), 1_700_000_000_000L);
  }
}
