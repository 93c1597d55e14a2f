package io.swarmengine.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.swarmengine.persistence.SwarmConfig;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Groups the replay refuses are counted and named in the status and the summary, not only in the log. */
class RefusedGroupsTest {
  @TempDir Path data;

  @Test
  void groupsOverTheReplaysLimitAreCountedInTheStatusAndTheSummary() throws Exception {
    Map<String, Object> o = EngineEndToEndTest.tinyRun(data, 24, "schedule=0..100%:infer");
    o.put("swarm.workers.count", 1);
    o.put("swarm.replay.max-tokens-per-group", 1); // every group is over it
    try (SwarmEngine engine = SwarmEngine.start(SwarmConfig.load(ConfigFactory.parseMap(o)), line -> {},
        io.swarmengine.worker.WorkerListener.NONE)) {
      engine.finished().get(120, TimeUnit.SECONDS);
      EngineStatus end = engine.status().toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertEquals(24, end.completedPositions(), "a refused group's position is completed: playing it again gives the same group");
      assertEquals(0, end.acknowledgedGroups());
      assertEquals(24L, end.refusedGroups());
      String replay = engine.summary(end).stream().filter(l -> l.startsWith("replay: ")).findFirst().orElseThrow();
      assertTrue(replay.matches("replay: 0 groups held, 0 acknowledged; 24 groups refused, their positions completed"
          + " without them \\(first p\\d+: \\d+ tokens, more than the limit 1\\)"), replay);
    }
    assertEquals(null, RunInspection.stopped(data).refusedGroups(), "a rolling field: this session's count");
  }
}
