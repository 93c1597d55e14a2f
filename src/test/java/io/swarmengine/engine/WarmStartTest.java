package io.swarmengine.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swarmengine.env.Task;
import io.swarmengine.model.ByteTokenizer;
import io.swarmengine.model.Gpt2;
import io.swarmengine.model.GptConfig;
import io.swarmengine.model.ops.Parallel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The warm start's shards (one thread per shard changes a step's result only at float rounding) and
 * its checkpoints (a stopped warm start goes on exactly where it was).
 */
class WarmStartTest {
  private static final GptConfig SMALL = new GptConfig(1, 2, 16, 16, ByteTokenizer.VOCAB, 1e-5f, true);

  private final ForkJoinPool pool = new ForkJoinPool(3);

  @AfterEach
  void shutDown() {
    pool.shutdownNow();
  }

  @TempDir Path dir;

  private static WarmStart.Result warmStart(Gpt2 model, int steps, int batch, Parallel par) {
    // no evaluation before the last step, and never the early stop
    WarmStart.Settings settings = new WarmStart.Settings(steps, batch, 3e-3, 1.1, 8, steps);
    return WarmStart.run(model, Task.byName("arithmetic:9"), new ByteTokenizer(), settings, 3, 11, par, null, line -> {});
  }

  /** {@code steps} steps of 6 demonstrations, an evaluation (and so a checkpoint) every 2. */
  private static List<String> warmStart(Gpt2 model, int steps, WarmStartCheckpoint checkpoint) {
    List<String> progress = new ArrayList<>();
    WarmStart.run(model, Task.byName("arithmetic:9"), new ByteTokenizer(), new WarmStart.Settings(steps, 6, 3e-3, 1.1, 4, 2),
        3, 11, Parallel.sequential(), checkpoint, progress::add);
    return progress;
  }

  @Test
  void aStoppedWarmStartGoesOnFromItsLastEvaluationExactlyAsIfItHadNotStopped() throws Exception {
    Gpt2 whole = Gpt2.random(SMALL, 5, Parallel.sequential());
    warmStart(whole, 6, null);

    WarmStartCheckpoint checkpoint = new WarmStartCheckpoint(dir.resolve("base.warm-start.safetensors"), "run A");
    warmStart(Gpt2.random(SMALL, 5, Parallel.sequential()), 4, checkpoint); // "stopped" after step 4: saved at step 2
    Gpt2 resumed = Gpt2.random(SMALL, 5, Parallel.sequential());
    List<String> progress = warmStart(resumed, 6, checkpoint);
    assertEquals("warm start: going on from step 2, saved in " + checkpoint.file(), progress.get(0));
    assertEquals(List.of(4, 6), progress.stream().skip(1).map(l -> Integer.parseInt(l.replaceAll(".*step (\\d+)/6.*", "$1"))).toList());
    assertParametersEqual(whole, resumed, 0f);
  }

  @Test
  void aWarmStartResumedPastItsStepsReportsTheSavedLossAndMeasuresItsSuccess() {
    WarmStart.Settings twoSteps = new WarmStart.Settings(2, 6, 3e-3, 1.1, 4, 2);
    WarmStart.Result atTwo = WarmStart.run(Gpt2.random(SMALL, 5, Parallel.sequential()), Task.byName("arithmetic:9"),
        new ByteTokenizer(), twoSteps, 3, 11, Parallel.sequential(), null, line -> {});

    WarmStartCheckpoint checkpoint = new WarmStartCheckpoint(dir.resolve("base.warm-start.safetensors"), "run A");
    warmStart(Gpt2.random(SMALL, 5, Parallel.sequential()), 4, checkpoint); // saved at step 2
    WarmStart.Result resumed = WarmStart.run(Gpt2.random(SMALL, 5, Parallel.sequential()), Task.byName("arithmetic:9"),
        new ByteTokenizer(), twoSteps, 3, 11, Parallel.sequential(), checkpoint, line -> {});
    assertEquals(new WarmStart.Result(2, atTwo.loss(), atTwo.success()), resumed);
    assertTrue(Double.isFinite(resumed.loss()), "loss " + resumed.loss());
  }

  @Test
  void aCheckpointOfOtherSettingsOrTornIsDeletedAndTheWarmStartBeginsAgain() throws Exception {
    Gpt2 whole = Gpt2.random(SMALL, 5, Parallel.sequential());
    warmStart(whole, 4, null);
    Path file = dir.resolve("base.warm-start.safetensors");
    warmStart(Gpt2.random(SMALL, 5, Parallel.sequential()), 4, new WarmStartCheckpoint(file, "run A"));

    Gpt2 other = Gpt2.random(SMALL, 5, Parallel.sequential());
    List<String> progress = warmStart(other, 4, new WarmStartCheckpoint(file, "run B"));
    assertTrue(progress.get(0).contains("saved by a warm start of other settings (run A)): starting over"), progress.get(0));
    assertParametersEqual(whole, other, 0f);

    warmStart(Gpt2.random(SMALL, 5, Parallel.sequential()), 4, new WarmStartCheckpoint(file, "run A"));
    byte[] bytes = Files.readAllBytes(file);
    for (int i = bytes.length - 64; i < bytes.length; i++) {
      bytes[i] = 0; // zeroed pages, as after a crash before the data reached the disk
    }
    Files.write(file, bytes);
    Gpt2 torn = Gpt2.random(SMALL, 5, Parallel.sequential());
    progress = warmStart(torn, 4, new WarmStartCheckpoint(file, "run A"));
    assertTrue(progress.get(0).contains("do not match its checksum): starting over"), progress.get(0));
    assertParametersEqual(whole, torn, 0f);
  }

  private static void assertParametersEqual(Gpt2 expected, Gpt2 actual, float tolerance) {
    for (Map.Entry<String, float[]> e : expected.parameters().entrySet()) {
      float[] x = e.getValue();
      float[] y = actual.parameters().get(e.getKey());
      for (int i = 0; i < x.length; i++) {
        assertEquals(x[i], y[i], tolerance, e.getKey() + "[" + i + "]");
      }
    }
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
