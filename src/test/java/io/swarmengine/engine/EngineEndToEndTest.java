package io.swarmengine.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static io.swarmengine.testing.Await.until;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import akka.actor.typed.javadsl.AskPattern;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.swarmengine.adapter.AdapterHub;
import io.swarmengine.adapter.AdapterStore;
import io.swarmengine.model.Gpt2;
import io.swarmengine.model.LoraAdapter;
import io.swarmengine.model.ops.LogSoftmax;
import io.swarmengine.model.ops.Parallel;
import io.swarmengine.persistence.SwarmConfig;
import io.swarmengine.replay.EpisodeGroup;
import io.swarmengine.replay.Replay;
import io.swarmengine.replay.ReplayInspection;
import io.swarmengine.replay.Turn;
import io.swarmengine.worker.WorkerAgent;
import io.swarmengine.worker.WorkerListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole loop in one JVM with a tiny model: workers, cursor, replay, trainer and hub, on the H2
 * journal, through a stop and a resume, a corrupt adapter and a rollback.
 */
class EngineEndToEndTest {
  /** Enough that the resumed run still plays when the corrupt adapter and the rollback come. */
  private static final int POSITIONS = 1200;
  /** Log-probabilities are stored, and trained, under softmax(logits / T). */
  private static final double TEMPERATURE = 0.7;

  @TempDir Path data;

  /** A run of a tiny model (no warm start, G = 2, 3 tokens) in {@code data}, messages serialized as across a cluster. */
  static Map<String, Object> tinyRun(Path data, long positions, String schedule) {
    Map<String, Object> o = new HashMap<>();
    o.put("swarm.data-dir", data.toString());
    o.put("swarm.task", "arithmetic:9");
    o.put("swarm.positions", positions);
    o.put("swarm.schedule", schedule);
    o.put("swarm.model.layers", 1);
    o.put("swarm.model.heads", 2);
    o.put("swarm.model.embd", 16);
    o.put("swarm.model.context", 16);
    o.put("swarm.model.warm-start.steps", 0);
    o.put("swarm.rollout.group-size", 2);
    o.put("swarm.rollout.max-tokens", 3);
    o.put("swarm.workers.chunk-groups", 2);
    o.put("akka.actor.serialize-messages", "on");
    return o;
  }

  private Config config() {
    Map<String, Object> o = tinyRun(data, POSITIONS,
        "schedule=0..10:infer|10..100%:train(scope=attn+ffn,opt=sgd,lr=0.05,stride=4,clip=1.0)");
    o.put("swarm.rollout.temperature", TEMPERATURE);
    o.put("swarm.workers.count", 2);
    o.put("swarm.workers.throttle-timeout", "2s");
    o.put("swarm.trainer.batch-groups", 4);
    o.put("swarm.metrics.interval", "200ms");
    return SwarmConfig.load(ConfigFactory.parseMap(o));
  }

  /** Every group and reload and refusal the workers report, in order. */
  static final class Recorder implements WorkerListener {
    final List<EpisodeGroup> groups = new CopyOnWriteArrayList<>();
    final List<String> refusals = new CopyOnWriteArrayList<>();

    @Override
    public void recorded(String workerId, List<EpisodeGroup> recorded) {
      groups.addAll(recorded);
    }

    @Override
    public void refused(String workerId, long version, String reason) {
      refusals.add(version + ": " + reason);
    }
  }

  @Test
  void theLoopTrainsReloadsResumesRefusesCorruptAdaptersAndRollsBack() throws Exception {
    Recorder first = new Recorder();
    long versionsBeforeStop;
    try (SwarmEngine engine = SwarmEngine.start(config(), line -> {}, first)) {
      until(() -> status(engine).completedPositions() >= 40 && status(engine).adapterVersion() >= 2, 120);
      versionsBeforeStop = versions(engine).published();
    }
    assertFalse(RunInspection.isLive(data));
    EngineStatus stopped = RunInspection.stopped(data);
    assertTrue(stopped.completedPositions() >= 40);
    // a completion in flight at the stop may be durable before its worker heard of it, never the reverse
    assertTrue(countDistinctPositions(first.groups) <= stopped.completedPositions());
    assertTrue(stopped.acknowledgedGroups() >= stopped.completedPositions(), "a completed position lacks its group");
    List<MetricsRow> firstRows = RunReport.resumeCsv(data.resolve("metrics.csv"), skipped -> fail(skipped));
    assertFalse(firstRows.isEmpty(), "the first session wrote no metrics rows");

    Recorder second = new Recorder();
    try (SwarmEngine engine = SwarmEngine.start(config(), line -> {}, second)) {
      // the trainer publishes one step at a time, in step order, each on the version before it
      // (its next step computes while the hub journals the last one)
      for (AdapterHub.Version v : versions(engine).all()) {
        assertEquals(v.number() - 1, v.parent(), "version " + v.number() + "'s parent");
      }
      // resumed: the cursor goes on, nothing completed is played again
      until(() -> !second.groups.isEmpty(), 60);
      Set<Long> before = positions(first.groups);
      for (EpisodeGroup g : second.groups) {
        assertFalse(before.contains(g.position()), "position " + g.position() + " was played again after the resume");
      }

      // a corrupt adapter is refused; the workers keep their version and keep working
      AdapterStore store = new AdapterStore(data);
      Gpt2 base = Gpt2.load(data.resolve("base"), Parallel.sequential());
      LoraAdapter bogus = LoraAdapter.create(base.config, engine.settings().lora(), 99);
      AdapterStore.Stored stored = store.put(bogus);
      Path weights = store.path(stored.sha256()).resolve("adapter_model.safetensors");
      byte[] bytes = Files.readAllBytes(weights);
      bytes[bytes.length - 1] ^= 0x55;
      Files.write(weights, bytes);
      long newest = versions(engine).published();
      AdapterHub.PublishReply published = AskPattern.<AdapterHub.Command, AdapterHub.PublishReply>ask(engine.adapterHub(),
          r -> new AdapterHub.Publish(stored.sha256(), stored.sizeBytes(), newest, Map.of(), r), Duration.ofSeconds(10),
          engine.system().scheduler()).toCompletableFuture().get(10, TimeUnit.SECONDS);
      long corrupt = ((AdapterHub.Published) published).version().number();
      until(() -> second.refusals.size() >= 2, 30); // both workers refused it
      int groupsAtRefusal = second.groups.size();
      until(() -> second.groups.size() > groupsAtRefusal, 30);
      for (EpisodeGroup g : second.groups) {
        assertTrue(g.adapterVersion() != corrupt, "a group was played with the corrupt version");
      }

      // a rollback below the corrupt version: every worker returns to it or to what trains on from it
      long to = Math.max(1, versionsBeforeStop - 1);
      AdapterHub.RollbackReply rolled = AskPattern.<AdapterHub.Command, AdapterHub.RollbackReply>ask(engine.adapterHub(),
          r -> new AdapterHub.Rollback(to, r), Duration.ofSeconds(10), engine.system().scheduler())
          .toCompletableFuture().get(10, TimeUnit.SECONDS);
      Set<Long> bad = new HashSet<>(((AdapterHub.RolledBack) rolled).markedBad());
      assertTrue(bad.contains(corrupt));
      int groupsAtRollback = second.groups.size();
      engine.finished().get(180, TimeUnit.SECONDS);

      // after a short grace for groups already being played, no group comes from a bad version
      Map<String, Boolean> back = new HashMap<>();
      for (EpisodeGroup g : second.groups.subList(groupsAtRollback, second.groups.size())) {
        if (!bad.contains(g.adapterVersion())) {
          back.put(g.workerId(), true);
        } else {
          assertFalse(back.containsKey(g.workerId()), g.workerId() + " played bad version " + g.adapterVersion() + " after it had returned");
        }
      }
      assertFalse(back.isEmpty(), "no worker returned from the rolled-back versions");

      // versions increase monotonically (numbers 1..n in order, each parent an earlier version)
      AdapterHub.Versions all = versions(engine);
      for (int i = 0; i < all.all().size(); i++) {
        AdapterHub.Version v = all.all().get(i);
        assertEquals(i + 1, v.number());
        assertTrue(v.parent() < v.number());
      }
      // every worker ends on the newest good version
      until(() -> {
        long newestGood = versions(engine).newestGood().number(); // the trainer may still publish a step in hand
        return workerVersions(engine).stream().allMatch(v -> v == newestGood);
      }, 30);
      // the application's policy, first asked for now, catches up with it and says so
      List<Long> heard = new CopyOnWriteArrayList<>();
      engine.onVersion(v -> heard.add(v == null ? 0 : v.number()));
      // (a step the trainer still had in hand may publish one more version meanwhile)
      until(() -> engine.policy().version() == versions(engine).newestGood().number(), 30);
      long followed = engine.policy().version();
      until(() -> heard.contains(followed), 30);
      assertTrue(engine.policy().act("1+2=").version() >= followed);

      // acknowledged groups are exactly the completed positions' groups, one per position
      EngineStatus end = status(engine);
      assertEquals(POSITIONS, end.completedPositions());
      assertTrue(end.modelCpuShare() != null && end.modelCpuShare() > 0 && end.modelCpuShare() <= 1,
          "model CPU share " + end.modelCpuShare());
      if (java.nio.file.Files.isDirectory(java.nio.file.Path.of("/proc/self/task"))) { // the JVM's own threads: Linux only
        assertTrue(end.jitCpuShare() != null && end.jitCpuShare() >= 0 && end.jitCpuShare() <= 1, "JIT share " + end.jitCpuShare());
        assertTrue(end.gcCpuShare() != null && end.gcCpuShare() >= 0 && end.gcCpuShare() <= 1, "GC share " + end.gcCpuShare());
        String cpu = engine.summary(end).stream().filter(l -> l.startsWith("CPU: ")).findFirst().orElseThrow();
        assertTrue(cpu.matches(".* \\(per training step: \\d+\\.\\d ms of engine CPU, \\d+\\.\\d ms of model compute\\); over the last minute: .*"),
            cpu);
      }
      ReplayInspection inspection = AskPattern.<Replay.Command, ReplayInspection>ask(engine.replay(), Replay.Inspect::new,
          Duration.ofSeconds(30), engine.system().scheduler()).toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertEquals(POSITIONS, inspection.size());
      assertEquals(POSITIONS, end.acknowledgedGroups());
      List<EpisodeGroup> everything = new ArrayList<>(first.groups);
      everything.addAll(second.groups);

      // every episode carries the version that produced it: its log-probabilities are that version's
      assertLogprobsMatchTheirVersion(everything, all, base, store);
    }
    // metrics.csv holds both sessions: the resumed one went on from the first's last row
    List<String> skipped = new ArrayList<>();
    List<MetricsRow> rows = RunReport.resumeCsv(data.resolve("metrics.csv"), skipped::add);
    assertEquals(List.of(), skipped);
    // (a first session quicker than one metrics interval has only the row written at its stop)
    assertEquals(firstRows, rows.subList(0, firstRows.size()), "the first session's rows are kept");
    assertEquals(POSITIONS, rows.get(rows.size() - 1).position());
    for (int i = 1; i < rows.size(); i++) {
      assertTrue(rows.get(i).elapsedSeconds() >= rows.get(i - 1).elapsedSeconds(), "elapsed_s goes back at row " + i);
      assertTrue(rows.get(i).episodes() >= rows.get(i - 1).episodes(), "episodes go back at row " + i);
    }
    assertTrue(Files.readString(data.resolve("report.html")).contains("<svg"));
  }

  private static void assertLogprobsMatchTheirVersion(List<EpisodeGroup> groups, AdapterHub.Versions versions, Gpt2 base,
      AdapterStore store) throws Exception {
    Map<Long, Gpt2> models = new HashMap<>();
    int checked = 0;
    for (EpisodeGroup g : groups) {
      long v = g.adapterVersion();
      if (models.size() > 6 && !models.containsKey(v)) {
        continue;
      }
      Gpt2 model = models.computeIfAbsent(v, n -> {
        try {
          return n == 0 ? base : base.withAdapter(store.read(versions.all().get((int) (n - 1)).sha256(), base.config));
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      });
      Turn t = g.episodes().get(0).turns().get(0);
      int[] seq = new int[t.observation().length + t.action().length];
      System.arraycopy(t.observation(), 0, seq, 0, t.observation().length);
      System.arraycopy(t.action(), 0, seq, t.observation().length, t.action().length);
      float[] logits = model.forward(seq).logits;
      int vocab = model.config.vocab();
      double invT = 1 / TEMPERATURE;
      for (int k = 0; k < t.action().length; k++) {
        int row = (t.observation().length + k - 1) * vocab;
        double lp = invT * logits[row + t.action()[k]] - LogSoftmax.logSumExp(logits, row, vocab, invT);
        assertEquals(lp, t.logprobs()[k], 1e-3, "group " + g.id() + " token " + k + " under version " + v);
      }
      checked++;
    }
    assertTrue(checked > 20);
  }

  private static Set<Long> positions(List<EpisodeGroup> groups) {
    Set<Long> out = new HashSet<>();
    groups.forEach(g -> out.add(g.position()));
    return out;
  }

  private static long countDistinctPositions(List<EpisodeGroup> groups) {
    return positions(groups).size();
  }

  private static EngineStatus status(SwarmEngine engine) {
    return engine.status().toCompletableFuture().join();
  }

  private static AdapterHub.Versions versions(SwarmEngine engine) {
    return AskPattern.<AdapterHub.Command, AdapterHub.Versions>ask(engine.adapterHub(), AdapterHub.GetVersions::new,
        Duration.ofSeconds(10), engine.system().scheduler()).toCompletableFuture().join();
  }

  private static List<Long> workerVersions(SwarmEngine engine) {
    List<Long> out = new ArrayList<>();
    for (var w : engine.workers()) {
      WorkerAgent.Status s = AskPattern.<WorkerAgent.Command, WorkerAgent.Status>ask(w, WorkerAgent.GetStatus::new,
          Duration.ofSeconds(10), engine.system().scheduler()).toCompletableFuture().join();
      out.add(s.version());
    }
    return out;
  }

}
