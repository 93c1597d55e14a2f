package io.swarmengine.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import akka.actor.typed.javadsl.AskPattern;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.swarmengine.adapter.AdapterHub;
import io.swarmengine.adapter.AdapterStore;
import io.swarmengine.model.GptConfig;
import io.swarmengine.model.LoraAdapter;
import io.swarmengine.persistence.SwarmConfig;
import io.swarmengine.testing.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A part the run needs that stops ends the run's {@code finished()}, instead of leaving workers to play against it. */
class EnginePartStoppedTest {
  @TempDir Path data;

  private Config config() {
    Map<String, Object> o = EngineEndToEndTest.tinyRun(data, 1_000_000, "schedule=0..100%:train(scope=attn,opt=sgd,lr=0.05,stride=4)");
    o.put("swarm.workers.count", 1);
    o.put("swarm.trainer.batch-groups", 2);
    return SwarmConfig.load(ConfigFactory.parseMap(o));
  }

  @Test
  void aTrainerThatCannotTrainOnARolledBackVersionStopsTheRunWithItsName() throws Exception {
    try (SwarmEngine engine = SwarmEngine.start(config(), line -> {}, io.swarmengine.worker.WorkerListener.NONE)) {
      // an adapter the application published for another model: its files hash right, but nothing here can load it
      GptConfig other = new GptConfig(1, 2, 8, 16, 259, 1e-5f, true);
      AdapterStore.Stored foreign = new AdapterStore(data).put(LoraAdapter.create(other, engine.settings().lora(), 7));
      long newest = awaitVersion(engine, 1).published();
      AdapterHub.Published published = (AdapterHub.Published) EnginePartStoppedTest.<AdapterHub.PublishReply>ask(engine,
          r -> new AdapterHub.Publish(foreign.sha256(), foreign.sizeBytes(), newest, Map.of(), r));
      long bogus = published.version().number();
      awaitVersion(engine, bogus + 1); // the trainer trains on past it

      // rolled back to it, the trainer cannot load the version it is told to go on from
      assertInstanceOf(AdapterHub.RolledBack.class,
          EnginePartStoppedTest.<AdapterHub.RollbackReply>ask(engine, r -> new AdapterHub.Rollback(bogus, r)));
      ExecutionException e = assertThrows(ExecutionException.class, () -> engine.finished().get(60, TimeUnit.SECONDS));
      SwarmEngine.PartStoppedException stopped = assertInstanceOf(SwarmEngine.PartStoppedException.class, e.getCause());
      assertEquals("trainer", stopped.part());

      // status still answers, from the trainer's last word
      EngineStatus status = engine.status().toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertEquals(bogus, status.adapterVersion());
    }
    assertFalse(RunInspection.isLive(data), "close() ended the run and freed the folder");
  }

  @Test
  void aTrainerWhoseStepsKeepFailingStopsTheRunAndPublishesNothing() throws Exception {
    // SFT: every batch has a gradient, and at this lr every update overflows
    Map<String, Object> o = EngineEndToEndTest.tinyRun(data, 1_000_000, "schedule=0..100%:train(scope=attn,opt=sgd,lr=3e38,stride=4)");
    o.put("swarm.trainer.loss", "sft");
    o.put("swarm.workers.count", 1);
    o.put("swarm.trainer.batch-groups", 2);
    try (SwarmEngine engine = SwarmEngine.start(SwarmConfig.load(ConfigFactory.parseMap(o)), line -> {},
        io.swarmengine.worker.WorkerListener.NONE)) {
      ExecutionException e = assertThrows(ExecutionException.class, () -> engine.finished().get(120, TimeUnit.SECONDS));
      assertEquals("trainer", assertInstanceOf(SwarmEngine.PartStoppedException.class, e.getCause()).part());
      assertEquals(0, engine.status().toCompletableFuture().get(30, TimeUnit.SECONDS).adapterVersions(),
          "no step that overflowed was published");
    }
  }

  private static <R> R ask(SwarmEngine engine, akka.japi.function.Function<akka.actor.typed.ActorRef<R>, AdapterHub.Command> message)
      throws Exception {
    return AskPattern.ask(engine.adapterHub(), message, Duration.ofSeconds(10), engine.system().scheduler())
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static AdapterHub.Versions versions(SwarmEngine engine) {
    try {
      return ask(engine, AdapterHub.GetVersions::new);
    } catch (Exception e) {
      throw new AssertionError("the hub did not answer", e);
    }
  }

  private static AdapterHub.Versions awaitVersion(SwarmEngine engine, long atLeast) throws Exception {
    Await.until(() -> versions(engine).published() >= atLeast, 60);
    return versions(engine);
  }
}
