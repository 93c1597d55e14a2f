package io.swarmengine.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swarmengine.env.Task;
import io.swarmengine.replay.Episode;
import io.swarmengine.replay.EpisodeGroup;
import io.swarmengine.replay.Turn;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The summary's first and latest success windows never share a group. */
class RunMetricsTest {
  /** A group of two episodes, both solved or both not. */
  private static EpisodeGroup group(long position, boolean solved) {
    Episode e = new Episode(List.of(new Turn(new int[] {1}, new int[] {2}, new float[] {-1f}, solved ? 1f : 0f)));
    return new EpisodeGroup("p" + position, position, "w", 0, List.of(e, e), Map.of(), 0);
  }

  private static RunMetrics recorded(int failed, int solved) {
    RunMetrics m = new RunMetrics(Task.byName("arithmetic:9"), 1);
    for (int i = 0; i < failed + solved; i++) {
      m.recorded("w", List.of(group(i, i >= failed)));
    }
    return m;
  }

  @Test
  void aShortRunIsSplitInHalves() {
    RunMetrics.FirstAndLatest s = recorded(5, 5).firstAndLatestSuccess();
    assertEquals(5, s.groups());
    assertEquals(0.0, s.first());
    assertEquals(1.0, s.latest());
  }

  @Test
  void aLongRunComparesItsFirstAndLatest256() {
    RunMetrics.FirstAndLatest s = recorded(300, 300).firstAndLatestSuccess();
    assertEquals(256, s.groups());
    assertEquals(0.0, s.first());
    assertEquals(1.0, s.latest());
    RunMetrics.FirstAndLatest mixed = recorded(256, 44).firstAndLatestSuccess(); // 300 groups: 150 each
    assertEquals(150, mixed.groups());
    assertEquals(0.0, mixed.first());
    assertEquals(44.0 / 150, mixed.latest(), 1e-12);
  }

  @Test
  void oneGroupHasNothingToCompare() {
    RunMetrics.FirstAndLatest s = recorded(0, 1).firstAndLatestSuccess();
    assertEquals(0, s.groups());
    assertTrue(Double.isNaN(s.first()) && Double.isNaN(s.latest()));
  }
}
