package io.swarmengine.benchmarks;

import io.swarmengine.learn.EmbeddedLearner;
import io.swarmengine.learn.Learner;
import io.swarmengine.learn.LossSettings;
import io.swarmengine.model.Generator;
import io.swarmengine.model.Gpt2;
import io.swarmengine.model.GptConfig;
import io.swarmengine.model.LoraAdapter;
import io.swarmengine.model.ops.Parallel;
import io.swarmengine.policy.OptimizerKind;
import io.swarmengine.policy.TrainScope;
import io.swarmengine.replay.Episode;
import io.swarmengine.replay.EpisodeGroup;
import io.swarmengine.replay.Turn;
import io.swarmengine.testing.BatchJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ForkJoinPool;

/**
 * One LoRA GRPO learner step and generation speed of the embedded Java learner, for a model shape
 * ({@code demo} or {@code 124m}); writes the model, adapter and batch into {@code args[1]} so that
 * {@code benchmarks/torch_learner_speed.py} measures PyTorch on exactly the same work.
 *
 * <p>usage: LearnerSpeedRun demo|124m DIR [threads]
 */
public final class LearnerSpeedRun {
  static final int GROUP = 4;
  static final int PROMPT = 32;
  static final int ACTION = 32;

  public static void main(String[] args) throws Exception {
    String shape = args[0];
    Path dir = Path.of(args[1]);
    int threads = args.length > 2 ? Integer.parseInt(args[2]) : Runtime.getRuntime().availableProcessors();
    GptConfig config =
        shape.equals("124m")
            ? new GptConfig(12, 12, 768, 1024, 50257, 1e-5f, true)
            : new GptConfig(4, 4, 128, 256, 259, 1e-5f, true);
    Parallel par = threads > 1 ? new Parallel(new ForkJoinPool(threads)) : Parallel.sequential();
    Gpt2 base = Gpt2.random(config, 1, par);
    LoraAdapter adapter =
        LoraAdapter.create(config, new LoraAdapter.Settings(8, 16f, 0f, List.of("c_attn", "c_proj", "c_fc"), shape), 2);
    SplittableRandom random = new SplittableRandom(3);
    adapter.tensors().forEach((name, a) -> {
      if (name.endsWith("lora_B.weight")) {
        for (int i = 0; i < a.length; i++) {
          a[i] = (float) (random.nextGaussian() * 0.01);
        }
      }
    });
    Files.createDirectories(dir);
    base.save(dir.resolve("model"));
    adapter.write(dir.resolve("adapter"));

    // one group of single-turn episodes, written for the PyTorch side too
    List<Episode> episodes = new ArrayList<>();
    for (int e = 0; e < GROUP; e++) {
      int[] prompt = new int[PROMPT];
      int[] action = new int[ACTION];
      float[] old = new float[ACTION];
      for (int i = 0; i < PROMPT; i++) {
        prompt[i] = random.nextInt(config.vocab());
      }
      for (int i = 0; i < ACTION; i++) {
        action[i] = random.nextInt(config.vocab());
        old[i] = (float) (-Math.log(config.vocab()) + random.nextGaussian() * 0.05);
      }
      episodes.add(new Episode(List.of(new Turn(prompt, action, old, e % 2))));
    }
    var batch = List.of(new Learner.WeightedGroup(new EpisodeGroup("b", 0, "w", 0, episodes, Map.of(), 0), 1.0));
    BatchJson.write(batch, dir.resolve("batch.json"));

    EmbeddedLearner learner = new EmbeddedLearner(base, adapter, TrainScope.parse("attn+ffn", TrainScope.GPT2_SCOPES), 0);
    int steps = shape.equals("124m") ? 2 : 10;
    step(learner, batch); // warm-up
    long t0 = System.nanoTime();
    for (int i = 0; i < steps; i++) {
      step(learner, batch);
    }
    double stepMs = (System.nanoTime() - t0) / 1e6 / steps;

    Generator generator = new Generator(base.withAdapter(adapter), par);
    int[] prompt = episodes.get(0).turns().get(0).observation();
    Generator.Sampling sampling = new Generator.Sampling(GROUP, 1f, 0, 1f, ACTION, new int[0], 5);
    generator.generate(prompt, sampling); // warm-up
    int reps = shape.equals("124m") ? 1 : 5;
    long g0 = System.nanoTime();
    long tokens = 0;
    for (int i = 0; i < reps; i++) {
      for (Generator.Completion c : generator.generate(prompt, sampling)) {
        tokens += c.tokens().length;
      }
    }
    double tokensPerSecond = tokens / ((System.nanoTime() - g0) / 1e9);
    System.out.printf(
        "java %s threads=%d step_ms=%.1f gen_tokens_per_s=%.1f peak_rss_mb=%d%n",
        shape, threads, stepMs, tokensPerSecond, peakRssMb());
  }

  private static void step(EmbeddedLearner learner, List<Learner.WeightedGroup> batch) {
    learner.forwardBackward(batch, LossSettings.of(LossSettings.Kind.GRPO), 1);
    learner.optimStep(OptimizerKind.ADAM, 1e-4, 1.0, 0.9);
  }

  /** The process's peak resident memory (VmHWM), in MiB. */
  static long peakRssMb() throws java.io.IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
      }
    }
    return -1;
  }
}
