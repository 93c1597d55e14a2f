package io.swarmengine.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.swarmengine.persistence.SwarmConfig;
import java.nio.file.Path;
import java.util.Map;
import io.swarmengine.testing.Await;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A resumed run with fewer workers does not wait out the leases of the workers it no longer has. */
class ResumeWithFewerWorkersTest {
  private static final int POSITIONS = 600;

  @TempDir Path data;

  private Config config(int workers) {
    Map<String, Object> o = EngineEndToEndTest.tinyRun(data, POSITIONS, "schedule=0..100%:infer");
    o.put("swarm.workers.count", workers);
    o.put("swarm.workers.lease-size", 64);
    o.put("swarm.cursor.lease-timeout", "1h"); // a lease left to expire would outlast the test
    return SwarmConfig.load(ConfigFactory.parseMap(o));
  }

  private static long completed(SwarmEngine engine) {
    return engine.status().toCompletableFuture().join().completedPositions();
  }

  @Test
  void theLeasesOfWorkersThisSessionLacksExpireAtTheStart() throws Exception {
    try (SwarmEngine engine = SwarmEngine.start(config(3), line -> {}, io.swarmengine.worker.WorkerListener.NONE)) {
      Await.until(() -> completed(engine) >= 100, 60);
    } // every worker held a lease of up to 64 positions at the stop
    try (SwarmEngine engine = SwarmEngine.start(config(1), line -> {}, io.swarmengine.worker.WorkerListener.NONE)) {
      engine.finished().get(60, TimeUnit.SECONDS);
      assertEquals(POSITIONS, engine.status().toCompletableFuture().get(30, TimeUnit.SECONDS).completedPositions());
    }
  }
}
