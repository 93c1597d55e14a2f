package io.swarmengine.replay;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Small episode groups for tests: one single-turn episode per reward. */
final class TestGroups {
  private TestGroups() {}

  static EpisodeGroup group(String id, long version, double... rewards) {
    return group(id, 0, version, Map.of(), rewards);
  }

  static EpisodeGroup group(String id, long position, long version, Map<String, String> metadata, double... rewards) {
    List<Episode> episodes = new ArrayList<>();
    for (double r : rewards) {
      episodes.add(
          new Episode(
              List.of(new Turn(new int[] {1, 2, 3}, new int[] {4, 5}, new float[] {-0.5f, -1.25f}, (float) r))));
    }
    return new EpisodeGroup(id, position, "worker-1", version, episodes, metadata, 1_700_000_000_000L);
  }

  static StoreSettings settings(int capacity, EvictionPolicy eviction) {
    return new StoreSettings(capacity, 1.0, 1e-6, eviction, 0, 1000, 0.4, 100);
  }
}
