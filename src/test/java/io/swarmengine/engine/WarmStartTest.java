package io.swarmengine.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swarmengine.env.Task;
import io.swarmengine.model.ByteTokenizer;
import io.swarmengine.model.Gpt2;
import io.swarmengine.model.GptConfig;
import io.swarmengine.model.ops.Parallel;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The warm start's shards: one thread per shard changes a step's result only at float rounding. */
class WarmStartTest {
  private static final GptConfig SMALL = new GptConfig(1, 2, 16, 16, ByteTokenizer.VOCAB, 1e-5f, true);

  private final ForkJoinPool pool = new ForkJoinPool(3);

  @AfterEach
  void shutDown() {
    pool.shutdownNow();
  }

  private static WarmStart.Result warmStart(Gpt2 model, int steps, int batch, Parallel par) {
    // no evaluation before the last step, and never the early stop
    WarmStart.Settings settings = new WarmStart.Settings(steps, batch, 3e-3, 1.1, 8, steps);
    return WarmStart.run(model, Task.byName("arithmetic:9"), new ByteTokenizer(), settings, 3, 11, par, line -> {});
  }

  @Test
  void aStepSplitOverThreadsMovesTheModelAsOneThreadDoes() {
    Gpt2 one = Gpt2.random(SMALL, 5, Parallel.sequential());
    Gpt2 three = Gpt2.random(SMALL, 5, Parallel.sequential());
    // 10 demonstrations over 3 shards of 3, 3 and 4
    WarmStart.Result a = warmStart(one, 1, 10, Parallel.sequential());
    WarmStart.Result b = warmStart(three, 1, 10, new Parallel(pool));
    assertEquals(a.loss(), b.loss(), 1e-6 * Math.abs(a.loss()), "the step's mean loss");
    Map<String, float[]> start = Gpt2.random(SMALL, 5, Parallel.sequential()).parameters();
    double largestMove = 0;
    for (Map.Entry<String, float[]> e : one.parameters().entrySet()) {
      float[] x = e.getValue();
      float[] y = three.parameters().get(e.getKey());
      float[] before = start.get(e.getKey());
      for (int i = 0; i < x.length; i++) {
        // Adam's first step moves each weight by about lr·sign(gradient): rounding shows only where a gradient is ~0
        assertEquals(x[i], y[i], 1e-4f, e.getKey() + "[" + i + "]");
        largestMove = Math.max(largestMove, Math.abs(x[i] - before[i]));
      }
    }
    assertTrue(largestMove > 1e-3, "the step moved the weights");
  }

  @Test
  void greedySuccessCountsTheSameEpisodesOnAnyNumberOfThreads() {
    Gpt2 model = Gpt2.random(SMALL, 5, Parallel.sequential());
    warmStart(model, 30, 16, Parallel.sequential());
    Task task = Task.byName("arithmetic:9");
    ByteTokenizer tokenizer = new ByteTokenizer();
    double sequential = WarmStart.greedySuccess(model, task, tokenizer, 40, 3, Parallel.sequential());
    assertEquals(sequential, WarmStart.greedySuccess(model, task, tokenizer, 40, 3, new Parallel(pool)));
  }
}
