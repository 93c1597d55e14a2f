package io.swarmengine.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swarmengine.adapter.AdapterStore;
import io.swarmengine.learn.LossSettings;
import io.swarmengine.metrics.ComputeMeter;
import io.swarmengine.model.GptConfig;
import io.swarmengine.model.Gpt2;
import io.swarmengine.model.LoraAdapter;
import io.swarmengine.model.Safetensors;
import io.swarmengine.model.ops.Parallel;
import io.swarmengine.policy.OptimizerKind;
import io.swarmengine.policy.PolicyAction;
import io.swarmengine.policy.TrainScope;
import io.swarmengine.replay.Episode;
import io.swarmengine.replay.EpisodeGroup;
import io.swarmengine.replay.Turn;
import io.swarmengine.scheduler.ScheduleMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerComputeTest {
  @TempDir Path data;

  static final GptConfig CONFIG = new GptConfig(1, 2, 16, 16, 8, 1e-5f, true);
  static final LoraAdapter.Settings LORA = new LoraAdapter.Settings(4, 8f, 0f, List.of("c_attn", "c_fc"), "test");
  static final TrainerSettings SETTINGS = new TrainerSettings(
      1, 10, LossSettings.of(LossSettings.Kind.GRPO), Duration.ofSeconds(1), 0, 0.9, ScheduleMode.CONSTANT, 1, 3);

  private TrainerCompute compute(Gpt2 base) {
    return compute(base, data);
  }

  private static TrainerCompute compute(Gpt2 base, Path data) {
    return new TrainerCompute(new Trainer.Compute(base, new AdapterStore(data), LORA, data.resolve("trainer"),
        Parallel.sequential(), new ComputeMeter(), null), SETTINGS);
  }

  private static PolicyAction.Train action() throws Exception {
    return new PolicyAction.Train(TrainScope.parse("attn", TrainScope.GPT2_SCOPES), OptimizerKind.ADAM, 0.01f, 1, 1, 1, 0.9f);
  }

  private static List<EpisodeGroup> batch() {
    Episode good = new Episode(List.of(new Turn(new int[] {1, 2}, new int[] {3, 3}, new float[] {-2.7f, -2.7f}, 1f)));
    Episode bad = new Episode(List.of(new Turn(new int[] {1, 2}, new int[] {5, 6}, new float[] {-2.7f, -2.7f}, 0f)));
    return List.of(new EpisodeGroup("g", 0, "w", 0, List.of(good, bad), Map.of(), 0));
  }

  /** The optimizer steps recorded with the scope's saved state. */
  private long savedSteps() throws Exception {
    try (var dirs = Files.list(data.resolve("trainer"))) {
      Path dir = dirs.findFirst().orElseThrow();
      return Long.parseLong(Safetensors.read(dir.resolve("learner_state.safetensors")).metadata().get("optimizer_steps"));
    }
  }

  @Test
  void aRestartedTrainerGoesOnWithTheMomentsOfTheAdapterItTrainsOnOnly() throws Exception {
    Gpt2 base = Gpt2.random(CONFIG, 3, Parallel.sequential());
    TrainerCompute first = compute(base);
    first.reset(null);
    String v1 = first.step(batch(), new double[] {1}, action(), 0.01, 1).stored().sha256();
    String v2 = first.step(batch(), new double[] {1}, action(), 0.01, 2).stored().sha256();
    assertEquals(2, savedSteps());

    TrainerCompute resumed = compute(base);
    resumed.reset(v2);
    resumed.step(batch(), new double[] {1}, action(), 0.01, 3);
    assertEquals(3, savedSteps(), "the moments saved with v2 were loaded");

    TrainerCompute rolledBack = compute(base);
    rolledBack.reset(v1);
    String v1b = rolledBack.step(batch(), new double[] {1}, action(), 0.01, 4).stored().sha256();
    assertEquals(1, savedSteps(), "the saved moments belong to another adapter: fresh ones");
    assertNotEquals(v2, v1b);
  }

  @Test
  void stepsWhoseUpdateOverflowsAreRefusedAndTheNextGoesOnFromTheSameAdapter(@TempDir Path elsewhere) throws Exception {
    Gpt2 base = Gpt2.random(CONFIG, 3, Parallel.sequential());
    // two steps with nothing in between, in a folder of their own
    TrainerCompute plain = compute(base, elsewhere);
    plain.reset(null);
    String v1 = plain.step(batch(), new double[] {1}, action(), 0.01, 1).stored().sha256();
    String expected = plain.step(batch(), new double[] {1}, action(), 0.01, 3).stored().sha256();

    TrainerCompute compute = compute(base);
    compute.reset(null);
    assertEquals(v1, compute.step(batch(), new double[] {1}, action(), 0.01, 1).stored().sha256());
    PolicyAction.Train sgd =
        new PolicyAction.Train(TrainScope.parse("attn", TrainScope.GPT2_SCOPES), OptimizerKind.SGD, 1e30f, 1, 1, 0, 0f);
    // weights that overflow float, then finite weights whose activations overflow
    IllegalStateException weights = assertThrows(IllegalStateException.class,
        () -> compute.step(batch(), new double[] {1}, sgd, 1e300, 2));
    assertTrue(weights.getMessage().contains("with values that are not finite; the step is refused and nothing changed"),
        weights.getMessage());
    IllegalStateException logits = assertThrows(IllegalStateException.class,
        () -> compute.step(batch(), new double[] {1}, sgd, 1e30, 2));
    assertTrue(logits.getMessage().contains("leaves the model's logits not finite on group g's first episode"), logits.getMessage());
    try (var stored = Files.list(data.resolve("adapters"))) {
      assertEquals(1, stored.count(), "nothing stored for the refused steps");
    }
    assertEquals(1, savedSteps(), "no optimizer step was kept");

    // the same step as if the refused ones had never been tried
    assertEquals(expected, compute.step(batch(), new double[] {1}, action(), 0.01, 3).stored().sha256());
  }
}
