package io.swarmengine.env;

import java.util.List;
import java.util.Optional;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Tasks that transform a random string: the exact result scores 1, else its positional credit × 0.5. */
abstract class TextTask implements Task {
  private final int length;

  TextTask(int length) {
    this.length = length;
  }

  abstract String prompt(String input);

  abstract String expected(String input);

  abstract char randomChar(SplittableRandom random);

  private String input(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int n = 2 + random.nextInt(length - 1);
    StringBuilder input = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      input.append(randomChar(random));
    }
    return input.toString();
  }

  @Override
  public Optional<List<String>> demonstration(long seed) {
    return Optional.of(List.of(expected(input(seed))));
  }

  @Override
  public Environment start(long seed) {
    String input = input(seed);
    String want = expected(input);
    return new SingleTurn(prompt(input)) {
      @Override
      double grade(String answer) {
        return answer.equals(want) ? 1.0 : 0.5 * Task.positionalCredit(want, answer);
      }
    };
  }

  /** {@code reverse: abc=} → {@code cba}. */
  public static final class Reverse extends TextTask {
    public Reverse(int length) {
      super(length);
    }

    @Override
    public String name() {
      return "reverse";
    }

    @Override
    String prompt(String input) {
      return "reverse: " + input + "=";
    }

    @Override
    String expected(String input) {
      return new StringBuilder(input).reverse().toString();
    }

    @Override
    char randomChar(SplittableRandom random) {
      return (char) ('a' + random.nextInt(26));
    }
  }

  /** {@code sort: 3141=} → {@code 1134}. */
  public static final class SortDigits extends TextTask {
    public SortDigits(int length) {
      super(length);
    }

    @Override
    public String name() {
      return "sort-digits";
    }

    @Override
    String prompt(String input) {
      return "sort: " + input + "=";
    }

    @Override
    String expected(String input) {
      char[] c = input.toCharArray();
      Arrays.sort(c);
      return new String(c);
    }

    @Override
    char randomChar(SplittableRandom random) {
      return (char) ('0' + random.nextInt(10));
    }
  }
}
