package io.swarmengine.env;

import java.util.List;
import java.util.Optional;

import java.util.SplittableRandom;

/**
 * {@code 17+25=} → {@code 42}. The exact sum scores 1; a number of the right length scores half its
 * share of correct digits; anything else 0.
 */
public final class ArithmeticTask implements Task {
  private final int max;

  public ArithmeticTask(int max) {
    this.max = max;
  }

  @Override
  public String name() {
    return "arithmetic";
  }

  @Override
  public Optional<List<String>> demonstration(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int a = random.nextInt(max + 1);
    int b = random.nextInt(max + 1);
    return Optional.of(List.of(Integer.toString(a + b)));
  }

  @Override
  public Environment start(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int a = random.nextInt(max + 1);
    int b = random.nextInt(max + 1);
    String want = Integer.toString(a + b);
    return new SingleTurn(a + "+" + b + "=") {
      @Override
      double grade(String answer) {
        if (answer.equals(want)) {
          return 1.0;
        }
        if (!answer.matches("[0-9]+") || answer.length() != want.length()) {
          return 0.0;
        }
        return 0.5 * Task.positionalCredit(want, answer);
      }
    };
  }
}
