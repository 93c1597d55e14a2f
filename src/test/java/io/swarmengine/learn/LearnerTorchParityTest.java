package io.swarmengine.learn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.swarmengine.model.Gpt2;
import io.swarmengine.model.GptConfig;
import io.swarmengine.model.LoraAdapter;
import io.swarmengine.model.Safetensors;
import io.swarmengine.model.ops.Parallel;
import io.swarmengine.policy.OptimizerKind;
import io.swarmengine.policy.TrainScope;
import io.swarmengine.replay.Episode;
import io.swarmengine.replay.EpisodeGroup;
import io.swarmengine.replay.Turn;
import io.swarmengine.testing.BatchJson;
import io.swarmengine.testing.Torch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** A few GRPO AdamW steps on a LoRA adapter give the same losses and weights as in PyTorch. */
class LearnerTorchParityTest {
  @TempDir Path dir;

  /** At 0.7 the policy trained is softmax(logits / 0.7), the one the episodes were sampled from. */
  @ParameterizedTest
  @ValueSource(doubles = {1.0, 0.7})
  void grpoStepsMatchPyTorch(double temperature) throws Exception {
    assumeTrue(Torch.available(), "PyTorch is not installed");
    GptConfig config = new GptConfig(2, 2, 16, 24, 20, 1e-5f, true);
    Gpt2 base = Gpt2.random(config, 7, Parallel.sequential());
    Path modelDir = dir.resolve("model");
    base.save(modelDir);
    LoraAdapter adapter =
        LoraAdapter.create(config, new LoraAdapter.Settings(4, 8f, 0f, List.of("c_attn", "c_proj", "c_fc"), "m"), 3);
    SplittableRandom random = new SplittableRandom(5);
    adapter.tensors().forEach((name, a) -> {
      if (name.endsWith("lora_B.weight")) {
        for (int i = 0; i < a.length; i++) {
          a[i] = (float) (random.nextGaussian() * 0.05);
        }
      }
    });
    Path adapterDir = dir.resolve("adapter");
    adapter.write(adapterDir);

    // two groups of three single-turn episodes, behaviour log-probs a little off the current policy
    List<Learner.WeightedGroup> batch = new ArrayList<>();
    for (int g = 0; g < 2; g++) {
      List<Episode> eps = new ArrayList<>();
      for (int e = 0; e < 3; e++) {
        int[] prompt = {1 + g, 2 + e, 3};
        int[] action = {random.nextInt(20), random.nextInt(20), random.nextInt(20), random.nextInt(20)};
        float[] old = new float[4];
        for (int i = 0; i < 4; i++) {
          old[i] = (float) (-3.0 + random.nextGaussian() * 0.1);
        }
        eps.add(new Episode(List.of(new Turn(prompt, action, old, (float) random.nextDouble()))));
      }
      batch.add(new Learner.WeightedGroup(new EpisodeGroup("g" + g, g, "w", 0, eps, Map.of(), 0), g == 0 ? 1.0 : 0.6));
    }
    Path batchFile = dir.resolve("batch.json");
    BatchJson.write(batch, batchFile);
    Path out = dir.resolve("steps.safetensors");
    Process p =
        new ProcessBuilder(
                Torch.PYTHON, "src/test/python/learner_reference.py", modelDir.toString(),
                adapterDir.toString(), batchFile.toString(), "3", "0.01", "0.5", out.toString(),
                Double.toString(temperature))
            .redirectErrorStream(true)
            .start();
    String log = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(300, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), log);
    Safetensors.Contents ref = Safetensors.read(out);

    EmbeddedLearner learner =
        new EmbeddedLearner(Gpt2.load(modelDir, Parallel.sequential()), LoraAdapter.read(adapterDir, config),
            TrainScope.parse("attn+ffn", TrainScope.GPT2_SCOPES), 0);
    float[] refLosses = ref.tensors().get("losses").data();
    for (int step = 0; step < 3; step++) {
      Learner.StepMetrics m = learner.forwardBackward(batch, LossSettings.of(LossSettings.Kind.GRPO).withTemperature(temperature), 1);
      assertEquals(refLosses[step], m.loss(), 1e-5 + 1e-4 * Math.abs(refLosses[step]), "loss of step " + step);
      learner.optimStep(OptimizerKind.ADAM, 0.01, 0.5, 0.9);
    }
    LoraAdapter trained = learner.exportAdapter();
    for (Map.Entry<String, float[]> e : trained.tensors().entrySet()) {
      float[] expected = ref.tensors().get(e.getKey()).data();
      double worst = 0;
      for (int i = 0; i < expected.length; i++) {
        worst = Math.max(worst, Math.abs(expected[i] - e.getValue()[i]));
      }
      assertTrue(worst < 1e-4, e.getKey() + " differs by " + worst);
    }
  }
}
