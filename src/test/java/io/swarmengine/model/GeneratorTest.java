package io.swarmengine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.swarmengine.model.ops.Parallel;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.api.Test;

class GeneratorTest {
  final GptConfig config = new GptConfig(2, 2, 16, 32, 23, 1e-5f, true);
  final Gpt2 model = Gpt2.random(config, 11, new Parallel(new ForkJoinPool(2)));
  final Generator generator = new Generator(model, new Parallel(new ForkJoinPool(2)));
  final int[] prompt = {3, 1, 4, 1, 5};

  private static float logSoftmax(float[] logits, int off, int v, int token) {
    return (float) (logits[off + token] - io.swarmengine.model.ops.LogSoftmax.logSumExp(logits, off, v));
  }

  @Test
  void theCacheGivesWhatAFullForwardGives() {
    List<Generator.Completion> out = generator.generate(prompt, new Generator.Sampling(3, 0.8f, 0, 1f, 12, new int[0], 5));
    int v = config.vocab();
    for (Generator.Completion c : out) {
      assertEquals(12, c.tokens().length);
      assertEquals("length", c.finishReason());
      int[] all = Arrays.copyOf(prompt, prompt.length + c.tokens().length);
      System.arraycopy(c.tokens(), 0, all, prompt.length, c.tokens().length);
      float[] logits = model.forward(all).logits;
      for (int i = 0; i < c.tokens().length; i++) {
        int pos = prompt.length - 1 + i;
        // log-probabilities are under the tempered distribution
        float[] tempered = new float[v];
        for (int j = 0; j < v; j++) {
          tempered[j] = logits[pos * v + j] / 0.8f;
        }
        assertEquals(logSoftmax(tempered, 0, v, c.tokens()[i]), c.logprobs()[i], 1e-4, "token " + i);
      }
    }
  }

  @Test
  void greedyFollowsTheArgmaxAndTopKOneIsGreedy() {
    Generator.Completion greedy = generator.generate(prompt, new Generator.Sampling(1, 0f, 0, 1f, 8, new int[0], 1)).get(0);
    int[] all = Arrays.copyOf(prompt, prompt.length + 8);
    System.arraycopy(greedy.tokens(), 0, all, prompt.length, 8);
    float[] logits = model.forward(all).logits;
    int v = config.vocab();
    for (int i = 0; i < 8; i++) {
      int pos = prompt.length - 1 + i;
      int best = 0;
      for (int j = 1; j < v; j++) {
        if (logits[pos * v + j] > logits[pos * v + best]) {
          best = j;
        }
      }
      assertEquals(best, greedy.tokens()[i]);
    }
    Generator.Completion topOne = generator.generate(prompt, new Generator.Sampling(1, 1.3f, 1, 1f, 8, new int[0], 99)).get(0);
    assertArrayEquals(greedy.tokens(), topOne.tokens());
  }

  @Test
  void seededRunsRepeatAndStopTokensEndCompletions() {
    Generator.Sampling s = new Generator.Sampling(4, 1.5f, 10, 0.9f, 10, new int[0], 42);
    List<Generator.Completion> a = generator.generate(prompt, s);
    List<Generator.Completion> b = generator.generate(prompt, s);
    for (int i = 0; i < 4; i++) {
      assertArrayEquals(a.get(i).tokens(), b.get(i).tokens());
      assertArrayEquals(a.get(i).logprobs(), b.get(i).logprobs());
    }
    List<Generator.Completion> other = generator.generate(prompt, new Generator.Sampling(4, 1.5f, 10, 0.9f, 10, new int[0], 43));
    assertNotEquals(Arrays.toString(a.get(0).tokens()) + Arrays.toString(a.get(1).tokens()),
        Arrays.toString(other.get(0).tokens()) + Arrays.toString(other.get(1).tokens()));
    int stop = a.get(0).tokens()[2];
    Generator.Completion stopped =
        generator.generate(prompt, new Generator.Sampling(4, 1.5f, 10, 0.9f, 10, new int[] {stop}, 42)).get(0);
    assertEquals("stop", stopped.finishReason());
    assertEquals(stop, stopped.tokens()[stopped.tokens().length - 1]);
    // the context limit caps a completion
    int[] longPrompt = new int[30];
    assertEquals(2, generator.generate(longPrompt, new Generator.Sampling(1, 1f, 0, 1f, 50, new int[0], 1)).get(0).tokens().length);
    assertThrows(IllegalArgumentException.class, () -> generator.generate(new int[32], s));
  }
}
