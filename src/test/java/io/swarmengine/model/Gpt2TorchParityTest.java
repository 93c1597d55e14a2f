package io.swarmengine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.swarmengine.model.ops.CrossEntropy;
import io.swarmengine.model.ops.Parallel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import io.swarmengine.testing.Torch;

/**
 * The whole model against PyTorch (Debian's python3-torch, which .ci/run installs), as llm.c's
 * test_gpt2.c: a random GPT-2 written as a Hugging Face folder, the same tokens, and the logits,
 * the next-token loss and every parameter's gradient compared.
 */
class Gpt2TorchParityTest {
  static final String PYTHON = Torch.PYTHON;

  @TempDir Path dir;

  private static boolean torchAvailable() {
    return Torch.available();
  }

  private Safetensors.Contents reference(Path model, int[] tokens, String... adapter) throws Exception {
    Path tokenFile = dir.resolve("tokens.txt");
    Files.writeString(tokenFile, Arrays.stream(tokens).mapToObj(Integer::toString).collect(Collectors.joining(",")));
    Path out = dir.resolve("reference.safetensors");
    java.util.List<String> command =
        new java.util.ArrayList<>(
            java.util.List.of(PYTHON, "src/test/python/gpt2_reference.py", model.toString(), tokenFile.toString(), out.toString()));
    command.addAll(java.util.List.of(adapter));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String log = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(300, TimeUnit.SECONDS), "the reference script timed out");
    assertEquals(0, p.exitValue(), log);
    return Safetensors.read(out);
  }

  private static void assertClose(String what, float[] expected, float[] actual, double tolerance) {
    assertEquals(expected.length, actual.length, what);
    double scale = 0;
    double worst = 0;
    for (int i = 0; i < expected.length; i++) {
      scale = Math.max(scale, Math.abs(expected[i]));
      worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
    }
    assertTrue(worst <= tolerance * Math.max(1e-3, scale), what + ": worst difference " + worst + " at scale " + scale);
  }

  @Test
  void logitsLossAndEveryGradientMatchPyTorch() throws Exception {
    assumeTrue(torchAvailable(), "PyTorch is not installed for " + PYTHON);
    for (boolean tied : new boolean[] {true, false}) {
      GptConfig config = new GptConfig(2, 4, 32, 24, 61, 1e-5f, tied);
      Gpt2 model = Gpt2.random(config, tied ? 1 : 2, new Parallel(new ForkJoinPool(2)));
      Path folder = dir.resolve(tied ? "tied" : "untied");
      model.save(folder);
      int[] tokens = {3, 17, 60, 0, 42, 42, 7, 19, 33, 5, 58, 1, 2, 44, 9, 21};
      Safetensors.Contents ref = reference(folder, tokens);

      Gpt2 loaded = Gpt2.load(folder, new Parallel(new ForkJoinPool(2)));
      Gpt2.Pass pass = loaded.forward(tokens);
      assertClose("logits", ref.tensors().get("logits").data(), pass.logits, 1e-5);
      double[] loss = new double[1];
      float[] dlogits = nextTokenLoss(pass, tokens, config.vocab(), loss);
      assertEquals(ref.tensors().get("loss").data()[0], loss[0], 1e-5);
      Map<String, float[]> grads = loaded.zeroGradients();
      loaded.backward(pass, dlogits, grads);
      for (Map.Entry<String, float[]> e : grads.entrySet()) {
        assertClose("gradient of " + e.getKey(), ref.tensors().get("grad." + e.getKey()).data(), e.getValue(), 2e-4);
      }
    }
  }

  /** Mean next-token cross-entropy of a pass, and its gradient with respect to the logits. */
  private static float[] nextTokenLoss(Gpt2.Pass pass, int[] tokens, int v, double[] lossOut) {
    int n = tokens.length - 1;
    float[] losses = new float[n];
    float[] probs = new float[n * v];
    int[] targets = Arrays.copyOfRange(tokens, 1, tokens.length);
    CrossEntropy.forward(Parallel.sequential(), losses, probs, pass.logits, targets, n, v);
    double loss = 0;
    for (float l : losses) {
      loss += l;
    }
    lossOut[0] = loss / n;
    float[] dlosses = new float[n];
    Arrays.fill(dlosses, 1f / n);
    float[] dlogits = new float[tokens.length * v];
    CrossEntropy.backward(dlogits, dlosses, probs, targets, n, v);
    return dlogits;
  }

  @Test
  void loraAdaptersMatchPyTorchBothWays() throws Exception {
    assumeTrue(torchAvailable(), "PyTorch is not installed for " + PYTHON);
    GptConfig config = new GptConfig(2, 4, 32, 24, 61, 1e-5f, true);
    Parallel par = new Parallel(new ForkJoinPool(2));
    Gpt2 base = Gpt2.random(config, 3, par);
    Path folder = dir.resolve("base");
    base.save(folder);
    int[] tokens = {5, 9, 14, 2, 60, 33, 33, 8, 0, 17, 41, 12};

    // an adapter written by Java (B made non-zero), with gradients for its tensors and the base's
    LoraAdapter ours =
        LoraAdapter.create(config, new LoraAdapter.Settings(4, 16f, 0f, java.util.List.of("c_attn", "c_proj", "c_fc"), "base"), 9);
    java.util.SplittableRandom random = new java.util.SplittableRandom(4);
    for (Map.Entry<String, float[]> e : ours.tensors().entrySet()) {
      if (e.getKey().endsWith("lora_B.weight")) {
        for (int i = 0; i < e.getValue().length; i++) {
          e.getValue()[i] = (float) (random.nextGaussian() * 0.05);
        }
      }
    }
    // whole parameters travel with it too (PEFT's modules_to_save and bias "all")
    float[] lnf = ours.keep("transformer.ln_f.weight", base.parameters().get("transformer.ln_f.weight"));
    for (int i = 0; i < lnf.length; i++) {
      lnf[i] = (float) (1 + random.nextGaussian() * 0.3);
    }
    float[] bias = ours.keep("transformer.h.1.mlp.c_fc.bias", base.parameters().get("transformer.h.1.mlp.c_fc.bias"));
    for (int i = 0; i < bias.length; i++) {
      bias[i] = (float) (random.nextGaussian() * 0.1);
    }
    Path oursDir = dir.resolve("ours");
    ours.write(oursDir);
    Safetensors.Contents ref = reference(folder, tokens, oursDir.toString());
    Gpt2 adapted = Gpt2.load(folder, par).withAdapter(LoraAdapter.read(oursDir, config));
    Gpt2.Pass pass = adapted.forward(tokens);
    assertClose("adapted logits", ref.tensors().get("logits").data(), pass.logits, 1e-5);
    double[] loss = new double[1];
    float[] dlogits = nextTokenLoss(pass, tokens, config.vocab(), loss);
    assertEquals(ref.tensors().get("loss").data()[0], loss[0], 1e-5);
    Map<String, float[]> grads = adapted.zeroGradients();
    grads.putAll(adapted.zeroAdapterGradients());
    adapted.backward(pass, dlogits, grads);
    assertTrue(adapted.parameters().get("transformer.ln_f.weight") != base.parameters().get("transformer.ln_f.weight"));
    for (Map.Entry<String, float[]> e : grads.entrySet()) {
      assertClose("gradient of " + e.getKey(), ref.tensors().get("grad." + e.getKey()).data(), e.getValue(), 2e-4);
    }

    // an adapter written by the PyTorch script in PEFT's layout loads and gives the same logits
    Path theirs = dir.resolve("theirs");
    Safetensors.Contents theirRef = reference(folder, tokens, theirs.toString());
    Gpt2 theirAdapted = Gpt2.load(folder, par).withAdapter(LoraAdapter.read(theirs, config));
    assertClose("logits with PyTorch's adapter", theirRef.tensors().get("logits").data(), theirAdapted.forward(tokens).logits, 1e-5);
  }
}
