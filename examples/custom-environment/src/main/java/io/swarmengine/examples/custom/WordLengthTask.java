package io.swarmengine.examples.custom;

import io.swarmengine.env.Environment;
import io.swarmengine.env.Task;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * A user-defined task: {@code len(planet)=} → {@code 6}. The exact letter count scores 1, a count
 * off by one scores 0.5 (partial credit gives GRPO a reward spread to learn from before the model is
 * exact), anything else 0. It has a demonstration, so a fresh base model can be warm-started on it.
 *
 * <p>The engine makes it from its class name ({@code swarm.task = "io.swarmengine.examples.custom.WordLengthTask"}),
 * so it needs a public no-argument constructor: here the implicit one.
 */
public final class WordLengthTask implements Task {

  /** Words of 2 to 9 letters: the prompt and answer fit a 32-token context with room to spare. */
  static final List<String> WORDS = List.of(
      "ox", "sky", "tree", "apple", "planet", "journey", "elephant", "crocodile",
      "at", "owl", "moon", "river", "garden", "lantern", "mountain", "butterfly");

  @Override
  public String name() {
    return "word-length";
  }

  @Override
  public Environment start(long seed) {
    return new Question(word(seed));
  }

  @Override
  public Optional<List<String>> demonstration(long seed) {
    return Optional.of(List.of(Integer.toString(word(seed).length())));
  }

  private static String word(long seed) {
    return WORDS.get(new SplittableRandom(seed).nextInt(WORDS.size()));
  }

  /** The reward of {@code answer} (the agent's completion) for {@code word}. */
  static double grade(String word, String answer) {
    String count = Task.answer(answer);
    if (!count.matches("[0-9]{1,2}")) {
      return 0.0;
    }
    int off = Math.abs(Integer.parseInt(count) - word.length());
    return off == 0 ? 1.0 : off == 1 ? 0.5 : 0.0;
  }

  /** One question: the first action is graded and ends the episode. */
  private static final class Question implements Environment {
    private final String word;
    private boolean done;

    Question(String word) {
      this.word = word;
    }

    @Override
    public String observation() {
      return done ? "" : "len(" + word + ")=";
    }

    @Override
    public Step act(String action) {
      if (done) {
        throw new IllegalStateException("the episode is over");
      }
      done = true;
      return new Step("", grade(word, action), true);
    }
  }
}
