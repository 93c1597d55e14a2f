package io.swarmengine.benchmarks;

import io.swarmengine.adapter.AdapterStore;
import io.swarmengine.learn.EmbeddedLearner;
import io.swarmengine.model.Gpt2;
import io.swarmengine.model.GptConfig;
import io.swarmengine.model.LoraAdapter;
import io.swarmengine.model.ops.Parallel;
import io.swarmengine.policy.TrainScope;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The file work of one training step on the demo's shapes (GPT-2 2×64, LoRA r 8 on all four
 * modules, scope attn+ffn+ffn_norm), in thread CPU: storing the new adapter (content-addressed),
 * saving the learner's optimizer state, and one node's load of the version (read, sha256 check,
 * parse, apply to the base). Three rounds of {@code steps}; the last is the warmed figure.
 *
 * <p>usage: AdapterFilesRun [steps]
 */
public final class AdapterFilesRun {
  public static void main(String[] args) throws Exception {
    int steps = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    GptConfig config = new GptConfig(2, 4, 64, 32, 259, 1e-5f, true);
    Gpt2 base = Gpt2.random(config, 1, Parallel.sequential());
    LoraAdapter adapter = LoraAdapter.create(config,
        new LoraAdapter.Settings(8, 16f, 0f, LoraAdapter.MODULES, "base"), 2);
    Path dir = Files.createTempDirectory("swarm-adapter-files");
    AdapterStore store = new AdapterStore(dir);
    EmbeddedLearner learner =
        new EmbeddedLearner(base, adapter, TrainScope.parse("attn+ffn+ffn_norm", TrainScope.GPT2_SCOPES), 0);
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    float[] changed = adapter.tensors().values().iterator().next();
    for (int round = 1; round <= 3; round++) {
      long put = 0;
      long save = 0;
      long load = 0;
      for (int i = 0; i < steps; i++) {
        changed[0] = round * steps + i; // a new adapter each step, as training makes
        long t0 = threads.getCurrentThreadCpuTime();
        AdapterStore.Stored stored = store.put(adapter);
        long t1 = threads.getCurrentThreadCpuTime();
        learner.saveState(dir.resolve("state"), stored.sha256());
        long t2 = threads.getCurrentThreadCpuTime();
        base.withAdapter(store.read(stored.sha256(), config));
        long t3 = threads.getCurrentThreadCpuTime();
        put += t1 - t0;
        save += t2 - t1;
        load += t3 - t2;
        store.delete(stored.sha256());
      }
      System.out.printf("round %d, per step: store %.3f ms, optimizer state %.3f ms, load and apply %.3f ms%n",
          round, put / 1e6 / steps, save / 1e6 / steps, load / 1e6 / steps);
    }
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
