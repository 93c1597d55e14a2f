package io.swarmengine.learn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swarmengine.model.Generator;
import io.swarmengine.model.Gpt2;
import io.swarmengine.model.GptConfig;
import io.swarmengine.model.LoraAdapter;
import io.swarmengine.model.ModelFormatException;
import io.swarmengine.model.ops.Parallel;
import io.swarmengine.policy.OptimizerKind;
import io.swarmengine.policy.TrainScope;
import io.swarmengine.replay.Episode;
import io.swarmengine.replay.EpisodeGroup;
import io.swarmengine.replay.Turn;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedLearnerTest {
  @TempDir Path dir;

  static final GptConfig CONFIG = new GptConfig(1, 2, 16, 16, 8, 1e-5f, true);
  static final LoraAdapter.Settings LORA = new LoraAdapter.Settings(4, 8f, 0f, List.of("c_attn", "c_proj", "c_fc"), "test");
  static final int[] PROMPT = {1, 2};

  private static TrainScope scope(String s) throws Exception {
    return TrainScope.parse(s, TrainScope.GPT2_SCOPES);
  }

  private static EpisodeGroup group(List<Generator.Completion> completions, double[] rewards) {
    List<Episode> episodes = new ArrayList<>();
    for (int i = 0; i < completions.size(); i++) {
      Generator.Completion c = completions.get(i);
      episodes.add(new Episode(List.of(new Turn(PROMPT, c.tokens(), c.logprobs(), (float) rewards[i]))));
    }
    return new EpisodeGroup("g", 0, "w", 0, episodes, Map.of(), 0);
  }

  /** The toy task's reward: how close the completion's tokens are to token 3, in [0, 1]. */
  private static double reward(int[] tokens) {
    double sum = 0;
    for (int t : tokens) {
      sum += 1 - Math.abs(t - 3) / 4.0;
    }
    return sum / tokens.length;
  }

  @Test
  void grpoRaisesTheMeanRewardOfAToyTask() throws Exception {
    Gpt2 base = Gpt2.random(CONFIG, 1, Parallel.sequential());
    LoraAdapter adapter = LoraAdapter.create(CONFIG, LORA, 2);
    // LoRA alone cannot make a random GPT-2 confident: its tied head has 0.02-scale embeddings,
    // so the logits stay within a few tenths; ln_f's gain (scope ffn_norm) lets them grow
    EmbeddedLearner learner = new EmbeddedLearner(base, adapter, scope("attn+ffn+ffn_norm"), 0);
    Generator generator = new Generator(base.withAdapter(adapter), Parallel.sequential());
    double first = 0;
    double last = 0;
    int steps = 40;
    for (int step = 0; step < steps; step++) {
      List<Generator.Completion> out = generator.generate(PROMPT, new Generator.Sampling(8, 1f, 0, 1f, 2, new int[0], step));
      double[] rewards = out.stream().mapToDouble(c -> reward(c.tokens())).toArray();
      double mean = java.util.Arrays.stream(rewards).average().orElse(0);
      if (step < 5) {
        first += mean / 5;
      }
      if (step >= steps - 5) {
        last += mean / 5;
      }
      Learner.StepMetrics m =
          learner.forwardBackward(List.of(new Learner.WeightedGroup(group(out, rewards), 1.0)), LossSettings.of(LossSettings.Kind.GRPO), 1);
      assertEquals(16, m.tokens());
      assertEquals(1.0, m.meanRatio(), 1e-3, "on-policy: the ratio starts at 1");
      learner.optimStep(OptimizerKind.SGD, 2.0, 1.0, 0.9);
    }
    assertTrue(last > first + 0.2, "mean reward went from " + first + " to " + last);
  }

  @Test
  void sftDrivesTheLossDown() throws Exception {
    Gpt2 base = Gpt2.random(CONFIG, 4, Parallel.sequential());
    LoraAdapter adapter = LoraAdapter.create(CONFIG, LORA, 5);
    EmbeddedLearner learner = new EmbeddedLearner(base, adapter, scope("all"), 0);
    int[] target = {5, 6, 7, 5};
    EpisodeGroup g =
        new EpisodeGroup("sft", 0, "w", 0, List.of(new Episode(List.of(new Turn(PROMPT, target, new float[4], 1f)))), Map.of(), 0);
    double firstLoss = 0;
    double lastLoss = 0;
    for (int step = 0; step < 30; step++) {
      Learner.StepMetrics m = learner.forwardBackward(List.of(new Learner.WeightedGroup(g, 1.0)), LossSettings.of(LossSettings.Kind.SFT), 1);
      if (step == 0) {
        firstLoss = m.loss();
      }
      lastLoss = m.loss();
      learner.optimStep(OptimizerKind.ADAM, 0.02, 0, 0.9);
    }
    assertTrue(firstLoss > 1.5 && lastLoss < 0.2 * firstLoss, "loss " + firstLoss + " -> " + lastLoss);
  }

  @Test
  void aLearningRateScheduleDrivesTheSteps() throws Exception {
    // SGD without momentum: each step moves a parameter by exactly lr × its gradient
    Gpt2 base = Gpt2.random(CONFIG, 4, Parallel.sequential());
    LoraAdapter adapter = LoraAdapter.create(CONFIG, LORA, 5);
    EmbeddedLearner learner = new EmbeddedLearner(base, adapter, scope("ffn_norm"), 0);
    int[] target = {5, 6, 7, 5};
    EpisodeGroup g =
        new EpisodeGroup("lr", 0, "w", 0, List.of(new Episode(List.of(new Turn(PROMPT, target, new float[4], 1f)))), Map.of(), 0);
    var batch = List.of(new Learner.WeightedGroup(g, 1.0));
    io.swarmengine.scheduler.LrSchedule schedule =
        new io.swarmengine.scheduler.LrSchedule(io.swarmengine.scheduler.ScheduleMode.LINEAR, 0.4, 0.1, 3);
    float[] lnf = adapter.savedParameters().get("transformer.ln_f.weight");
    double[] expectedLr = {0.3, 0.2, 0.1};
    for (double lr : expectedLr) {
      float before = lnf[0];
      learner.forwardBackward(batch, LossSettings.of(LossSettings.Kind.SFT), 1);
      float grad = learner.gradient("transformer.ln_f.weight")[0];
      learner.optimStep(OptimizerKind.SGD, schedule, 0, 0);
      assertEquals(before - lr * grad, lnf[0], 1e-6);
    }
    assertEquals(3, schedule.currentStep());
  }

  @Test
  void episodesSplitAcrossThreadsGiveTheSameStep() throws Exception {
    List<Learner.WeightedGroup> batch = new ArrayList<>();
    java.util.SplittableRandom random = new java.util.SplittableRandom(9);
    for (int gi = 0; gi < 3; gi++) {
      List<Episode> eps = new ArrayList<>();
      for (int e = 0; e < 5; e++) {
        int[] action = new int[1 + random.nextInt(3)]; // lengths differ, and group 1 has no advantage: shards of unequal cost
        for (int k = 0; k < action.length; k++) {
          action[k] = random.nextInt(CONFIG.vocab());
        }
        float[] old = java.util.Arrays.copyOf(new float[] {-2.5f, -2.4f, -2.6f}, action.length);
        eps.add(new Episode(List.of(new Turn(PROMPT, action, old, gi == 1 ? 0.5f : (float) random.nextDouble()))));
      }
      batch.add(new Learner.WeightedGroup(new EpisodeGroup("t" + gi, gi, "w", 0, eps, Map.of(), 0), 1.0 - 0.2 * gi));
    }
    LoraAdapter.Settings withDropout = new LoraAdapter.Settings(LORA.rank(), LORA.alpha(), 0.1f, LORA.targetModules(), "m");
    Map<String, float[]> gradients = new java.util.HashMap<>();
    double[] losses = new double[2];
    java.util.concurrent.ForkJoinPool pool = new java.util.concurrent.ForkJoinPool(3);
    try {
      for (int run = 0; run < 2; run++) {
        LoraAdapter adapter = LoraAdapter.create(CONFIG, withDropout, 5);
        adapter.tensors().forEach((name, a) -> java.util.Arrays.fill(a, name.contains("lora_B") ? 0.01f : a[0]));
        EmbeddedLearner learner = new EmbeddedLearner(Gpt2.random(CONFIG, 4, Parallel.sequential()), adapter,
            scope("attn+ffn+ffn_norm"), 0, run == 0 ? Parallel.sequential() : new Parallel(pool));
        for (int step = 0; step < 2; step++) { // the second step reuses the zeroed shard buffers
          losses[run] = learner.forwardBackward(batch, LossSettings.of(LossSettings.Kind.GRPO).withTemperature(0.7), 1).loss();
          if (step == 0) {
            learner.optimStep(OptimizerKind.ADAM, 0.01, 1, 0.9);
          }
        }
        for (String name : learner.trainableNames()) {
          float[] g = learner.gradient(name);
          if (run == 0) {
            gradients.put(name, g.clone());
          } else {
            for (int i = 0; i < g.length; i++) {
              assertEquals(gradients.get(name)[i], g[i], 1e-6 + 1e-4 * Math.abs(g[i]), name + "[" + i + "]");
            }
          }
        }
      }
    } finally {
      pool.shutdown();
    }
    // the second step's loss follows the first step's update, whose gradients were summed in another order
    assertEquals(losses[0], losses[1], 1e-5 * Math.abs(losses[0]));
    assertTrue(gradients.values().stream().anyMatch(g -> java.util.Arrays.stream(toDoubles(g)).anyMatch(x -> x != 0)));
  }

  /**
   * A group whose episodes all score the same has no GRPO advantage: it only dilutes the batch
   * (its share of the mean), so a batch of it and an informative group steps by exactly half the
   * informative group's own gradient, its backward pass skipped. With a KL term it has a gradient.
   */
  @Test
  void aGroupWithoutAdvantageAddsNoGradientUnlessKlPullsIt() throws Exception {
    java.util.SplittableRandom random = new java.util.SplittableRandom(3);
    List<Episode> informative = new ArrayList<>();
    List<Episode> flat = new ArrayList<>();
    for (int e = 0; e < 4; e++) {
      int[] a = {random.nextInt(CONFIG.vocab()), random.nextInt(CONFIG.vocab())};
      int[] b = {random.nextInt(CONFIG.vocab()), random.nextInt(CONFIG.vocab())};
      informative.add(new Episode(List.of(new Turn(PROMPT, a, new float[] {-2.5f, -2.7f}, e))));
      flat.add(new Episode(List.of(new Turn(PROMPT, b, new float[] {-2.6f, -2.4f}, 1f))));
    }
    var one = new Learner.WeightedGroup(new EpisodeGroup("i", 0, "w", 0, informative, Map.of(), 0), 1.0);
    var none = new Learner.WeightedGroup(new EpisodeGroup("f", 1, "w", 0, flat, Map.of(), 0), 1.0);
    for (double klBeta : new double[] {0, 0.5}) {
      LossSettings loss = new LossSettings(LossSettings.Kind.GRPO, 0.2, 0.2, klBeta, 0, 1);
      Map<String, float[]> alone = gradients(List.of(one), loss);
      Map<String, float[]> diluted = gradients(List.of(one, none), loss);
      double offBy = 0;
      double scale = 0;
      for (Map.Entry<String, float[]> e : alone.entrySet()) {
        float[] d = diluted.get(e.getKey());
        for (int i = 0; i < d.length; i++) {
          offBy = Math.max(offBy, Math.abs(d[i] - 0.5 * e.getValue()[i]));
          scale = Math.max(scale, Math.abs(e.getValue()[i]));
        }
      }
      assertTrue(scale > 0, "the informative group has a gradient");
      if (klBeta == 0) {
        assertEquals(0, offBy, 1e-6 * scale, "the flat group added to the gradient");
      } else {
        assertTrue(offBy > 1e-3 * scale, "the KL term of the flat group was skipped (off by " + offBy + ")");
      }
    }
  }

  /** The gradients of one step on {@code batch} from the same adapter (B nonzero: the policy is not the base). */
  private Map<String, float[]> gradients(List<Learner.WeightedGroup> batch, LossSettings loss) throws Exception {
    LoraAdapter adapter = LoraAdapter.create(CONFIG, LORA, 5);
    adapter.tensors().forEach((name, a) -> {
      if (name.contains("lora_B")) {
        java.util.Arrays.fill(a, 0.05f);
      }
    });
    EmbeddedLearner learner = new EmbeddedLearner(Gpt2.random(CONFIG, 4, Parallel.sequential()), adapter, scope("attn+ffn+ffn_norm"), 0);
    learner.forwardBackward(batch, loss, 1);
    Map<String, float[]> out = new java.util.HashMap<>();
    for (String name : learner.trainableNames()) {
      out.put(name, learner.gradient(name).clone());
    }
    return out;
  }

  private static double[] toDoubles(float[] a) {
    double[] out = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = a[i];
    }
    return out;
  }

  @Test
  void bpttTrainsOnlyTheLastTurns() throws Exception {
    Gpt2 base = Gpt2.random(CONFIG, 4, Parallel.sequential());
    LoraAdapter adapter = LoraAdapter.create(CONFIG, LORA, 5);
    EmbeddedLearner learner = new EmbeddedLearner(base, adapter, scope("attn"), 0);
    Turn first = new Turn(new int[] {1}, new int[] {2, 3}, new float[] {-1, -1}, 0f);
    Turn second = new Turn(new int[] {4}, new int[] {5, 6, 7}, new float[] {-1, -1, -1}, 1f);
    EpisodeGroup g = new EpisodeGroup("m", 0, "w", 0, List.of(new Episode(List.of(first, second))), Map.of(), 0);
    var batch = List.of(new Learner.WeightedGroup(g, 1.0));
    assertEquals(3, learner.forwardBackward(batch, LossSettings.of(LossSettings.Kind.SFT), 1).tokens());
    assertEquals(5, learner.forwardBackward(batch, LossSettings.of(LossSettings.Kind.SFT), 2).tokens());
    assertTrue(learner.trainableNames().stream().allMatch(n -> n.contains(".attn.") && n.contains("lora_")), learner.trainableNames().toString());
    assertEquals(0, new EmbeddedLearner(base, adapter, scope("none"), 0).trainableNames().size());
    List<String> norms = new EmbeddedLearner(base, adapter, scope("attn_norm+embed"), 0).trainableNames();
    assertEquals(List.of("transformer.wte.weight", "transformer.wpe.weight", "transformer.h.0.ln_1.weight", "transformer.h.0.ln_1.bias"), norms);
  }

  @Test
  void aTornStateIsRefusedAndAShorterRewriteReadsBack() throws Exception {
    EmbeddedLearner a = new EmbeddedLearner(Gpt2.random(CONFIG, 4, Parallel.sequential()), LoraAdapter.create(CONFIG, LORA, 5),
        scope("attn+ffn+ffn_norm"), 0.01);
    a.saveState(dir, "a tag of forty characters, for a longer header");
    Path file = dir.resolve("learner_state.safetensors");
    byte[] bytes = java.nio.file.Files.readAllBytes(file);
    a.saveState(dir, "v9"); // a shorter header: the file written over is cut to size
    assertTrue(java.nio.file.Files.size(file) < bytes.length);
    assertTrue(a.loadState(dir, "v9"));
    bytes = java.nio.file.Files.readAllBytes(file);
    bytes[bytes.length - 3] ^= 0x40; // a value that the write did not reach
    java.nio.file.Files.write(file, bytes);
    ModelFormatException torn = assertThrows(ModelFormatException.class, () -> a.loadState(dir, "v9"));
    assertTrue(torn.getMessage().contains("checksum"), torn.getMessage());
  }

  @Test
  void savedStateResumesTrainingExactly() throws Exception {
    int[] target = {5, 6, 7, 5};
    EpisodeGroup g =
        new EpisodeGroup("s", 0, "w", 0, List.of(new Episode(List.of(new Turn(PROMPT, target, new float[4], 1f)))), Map.of(), 0);
    var batch = List.of(new Learner.WeightedGroup(g, 1.0));
    LossSettings sft = LossSettings.of(LossSettings.Kind.SFT);

    Gpt2 baseA = Gpt2.random(CONFIG, 4, Parallel.sequential());
    LoraAdapter adapterA = LoraAdapter.create(CONFIG, LORA, 5);
    EmbeddedLearner a = new EmbeddedLearner(baseA, adapterA, TrainScope.parse("attn+ffn+ffn_norm", TrainScope.GPT2_SCOPES), 0.01);
    for (int i = 0; i < 3; i++) {
      a.forwardBackward(batch, sft, 1);
      a.optimStep(OptimizerKind.ADAM, 0.01, 1, 0.9);
    }
    a.saveState(dir, "v1");
    a.forwardBackward(batch, sft, 1);
    a.optimStep(OptimizerKind.ADAM, 0.01, 1, 0.9);

    Gpt2 baseB = Gpt2.random(CONFIG, 4, Parallel.sequential());
    LoraAdapter adapterB = LoraAdapter.create(CONFIG, LORA, 5);
    EmbeddedLearner b = new EmbeddedLearner(baseB, adapterB, TrainScope.parse("attn+ffn+ffn_norm", TrainScope.GPT2_SCOPES), 0.01);
    assertFalse(b.loadState(dir, "v2"), "the state of something else is not loaded");
    assertTrue(b.loadState(dir, "v1"));
    b.forwardBackward(batch, sft, 1);
    b.optimStep(OptimizerKind.ADAM, 0.01, 1, 0.9);
    for (String name : adapterA.tensors().keySet()) {
      assertArrayEquals(adapterA.tensors().get(name), adapterB.tensors().get(name), name);
    }
    assertArrayEquals(
        adapterA.savedParameters().get("transformer.ln_f.weight"), adapterB.savedParameters().get("transformer.ln_f.weight"));
    // whole parameters in scope are trained as the adapter's copies: the base stays as it was
    assertArrayEquals(baseA.parameters().get("transformer.ln_f.weight"), Gpt2.random(CONFIG, 4, Parallel.sequential()).parameters().get("transformer.ln_f.weight"));
    assertTrue(adapterA.savedParameters().keySet().containsAll(List.of("transformer.h.0.ln_2.weight", "transformer.ln_f.bias")));
    LoraAdapter exported = a.exportAdapter();
    assertArrayEquals(adapterA.b(0, "mlp.c_fc"), exported.b(0, "mlp.c_fc"));
    assertArrayEquals(adapterA.savedParameters().get("transformer.ln_f.weight"), exported.savedParameters().get("transformer.ln_f.weight"));
    // the export is a snapshot: later steps do not reach into it
    float[] before = exported.b(0, "mlp.c_fc").clone();
    a.forwardBackward(batch, sft, 1);
    a.optimStep(OptimizerKind.ADAM, 0.01, 1, 0.9);
    assertArrayEquals(before, exported.b(0, "mlp.c_fc"));
    assertFalse(java.util.Arrays.equals(before, adapterA.b(0, "mlp.c_fc")));
  }
}
