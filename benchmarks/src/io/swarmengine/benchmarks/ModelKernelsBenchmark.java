package io.swarmengine.benchmarks;

import io.swarmengine.model.Generator;
import io.swarmengine.model.Gpt2;
import io.swarmengine.model.GptConfig;
import io.swarmengine.model.LoraAdapter;
import io.swarmengine.model.ops.Gelu;
import io.swarmengine.model.ops.Matmul;
import io.swarmengine.model.ops.Parallel;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The demo model's kernels on one thread, in microseconds per call: GELU over one training pass's
 * MLP activations (20 tokens × 256), against the same loop on {@code Math.tanh}; the c_attn matrix
 * product (20 × 64 → 192) and its input gradient; and the whole model (GPT-2 2 × 64, LoRA r 8 on
 * every module): a group of 8 sampled answers of up to 6 tokens after a 12-token prompt, and one
 * training pass (forward and backward, adapter gradients) over 20 tokens.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Threads(1)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
public class ModelKernelsBenchmark {
  private static final float S = (float) Math.sqrt(2.0 / Math.PI);
  private static final int TOKENS = 20;
  private static final int EMBD = 64;

  private final Parallel par = Parallel.sequential();
  private float[] activations;
  private float[] activationsOut;
  private float[] activationsGrad;
  private float[] x;
  private float[] w;
  private float[] y;
  private float[] dy;
  private float[] dx;
  private Gpt2 model;
  private Generator generator;
  private Map<String, float[]> grads;
  private final int[] prompt = new int[12];
  private final int[] sequence = new int[TOKENS];
  private long seed;

  @Setup
  public void setUp() {
    SplittableRandom random = new SplittableRandom(1);
    activations = gaussian(random, TOKENS * 4 * EMBD, 2);
    activationsOut = new float[activations.length];
    activationsGrad = gaussian(random, activations.length, 1);
    x = gaussian(random, TOKENS * EMBD, 1);
    w = gaussian(random, EMBD * 3 * EMBD, 0.02);
    y = new float[TOKENS * 3 * EMBD];
    dy = gaussian(random, y.length, 1);
    dx = new float[x.length];
    GptConfig config = new GptConfig(2, 4, EMBD, 32, 259, 1e-5f, true);
    LoraAdapter adapter = LoraAdapter.create(config,
        new LoraAdapter.Settings(8, 16, 0f, LoraAdapter.MODULES, "bench"), 2);
    for (float[] t : adapter.tensors().values()) {
      for (int i = 0; i < t.length; i++) {
        t[i] += (float) (random.nextGaussian() * 0.01);
      }
    }
    model = Gpt2.random(config, 3, par).withAdapter(adapter);
    generator = new Generator(model, par);
    grads = model.zeroAdapterGradients();
    for (int i = 0; i < prompt.length; i++) {
      prompt[i] = '0' + i % 10;
    }
    for (int i = 0; i < sequence.length; i++) {
      sequence[i] = '0' + (3 * i) % 10;
    }
  }

  private static float[] gaussian(SplittableRandom random, int n, double scale) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (random.nextGaussian() * scale);
    }
    return a;
  }

  @Benchmark
  public float[] geluForward() {
    Gelu.forward(activationsOut, activations, activations.length);
    return activationsOut;
  }

  /** The peer: the same loop on Math.tanh, as the model computed it before. */
  @Benchmark
  public float[] geluForwardMathTanh() {
    for (int i = 0; i < activations.length; i++) {
      float v = activations[i];
      activationsOut[i] = 0.5f * v * (1f + (float) Math.tanh(S * (v + 0.044715f * v * v * v)));
    }
    return activationsOut;
  }

  @Benchmark
  public float[] geluBackward() {
    Gelu.backward(activationsOut, activations, activationsGrad, activations.length);
    return activationsOut;
  }

  @Benchmark
  public float[] matmulForward() {
    Matmul.forward(par, y, x, w, null, TOKENS, EMBD, 3 * EMBD);
    return y;
  }

  @Benchmark
  public float[] matmulInputGradient() {
    Matmul.backward(par, dx, null, null, dy, x, w, TOKENS, EMBD, 3 * EMBD);
    return dx;
  }

  @Benchmark
  public List<Generator.Completion> generateGroup() {
    return generator.generate(prompt, new Generator.Sampling(8, 0.5f, 0, 1f, 6, new int[] {257}, seed++));
  }

  @Benchmark
  public Map<String, float[]> trainingPass() {
    Gpt2.Pass pass = model.forward(sequence);
    float[] dlogits = new float[pass.logits.length];
    dlogits[5] = 1f;
    model.backward(pass, dlogits, grads);
    return grads;
  }
}
