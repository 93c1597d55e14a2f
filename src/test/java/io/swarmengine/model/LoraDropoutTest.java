package io.swarmengine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swarmengine.model.ops.Parallel;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** LoRA dropout: only in training passes, deterministic per seed, and its backward is right. */
class LoraDropoutTest {
  final GptConfig config = new GptConfig(1, 2, 8, 8, 11, 1e-5f, true);

  private Gpt2 adapted() {
    Gpt2 base = Gpt2.random(config, 1, Parallel.sequential());
    LoraAdapter adapter = LoraAdapter.create(config, new LoraAdapter.Settings(2, 4f, 0.5f, List.of("c_attn", "c_fc"), "b"), 2);
    SplittableRandom r = new SplittableRandom(3);
    adapter.tensors().forEach((name, a) -> {
      for (int i = 0; i < a.length; i++) {
        a[i] = (float) (r.nextGaussian() * 0.3);
      }
    });
    return base.withAdapter(adapter);
  }

  @Test
  void dropoutOnlyInTrainingPassesAndRepeatablePerSeed() {
    Gpt2 m = adapted();
    int[] tokens = {1, 4, 7, 2};
    float[] eval = m.forward(tokens).logits;
    assertArrayEquals(eval, m.forward(tokens, null).logits);
    float[] trainA = m.forward(tokens, new SplittableRandom(9)).logits;
    assertFalse(Arrays.equals(eval, trainA));
    assertArrayEquals(trainA, m.forward(tokens, new SplittableRandom(9)).logits);
  }

  @Test
  void gradientsThroughDroppedOutLoraMatchFiniteDifferences() {
    Gpt2 m = adapted();
    int[] tokens = {1, 4, 7, 2, 5};
    float[] g = new float[tokens.length * config.vocab()];
    SplittableRandom r = new SplittableRandom(4);
    for (int i = 0; i < g.length; i++) {
      g[i] = (float) r.nextGaussian();
    }
    Gpt2.Pass pass = m.forward(tokens, new SplittableRandom(7));
    Map<String, float[]> grads = m.zeroGradients();
    grads.putAll(m.zeroAdapterGradients());
    m.backward(pass, g, grads);
    Map<String, float[]> all = new java.util.LinkedHashMap<>(m.parameters());
    all.putAll(m.adapter().tensors());
    for (String name : List.of(
        LoraAdapter.tensorName(0, "attn.c_attn", "A"),
        LoraAdapter.tensorName(0, "mlp.c_fc", "B"),
        "transformer.h.0.ln_1.weight",
        "transformer.h.0.ln_2.bias")) {
      float[] param = all.get(name);
      for (int i = 0; i < Math.min(6, param.length); i++) {
        float saved = param[i];
        double eps = 1e-2;
        param[i] = (float) (saved + eps);
        double up = dot(m.forward(tokens, new SplittableRandom(7)).logits, g);
        param[i] = (float) (saved - eps);
        double down = dot(m.forward(tokens, new SplittableRandom(7)).logits, g);
        param[i] = saved;
        double numeric = (up - down) / (2 * eps);
        double analytic = grads.get(name)[i];
        assertTrue(Math.abs(numeric - analytic) <= 1e-2 * Math.max(1, Math.abs(numeric)),
            name + "[" + i + "]: numeric " + numeric + ", analytic " + analytic);
      }
    }
  }

  private static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += (double) a[i] * b[i];
    }
    return s;
  }
}
