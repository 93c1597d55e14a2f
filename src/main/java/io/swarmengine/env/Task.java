package io.swarmengine.env;

import java.util.Optional;

import java.util.List;

/**
 * A task with verifiable rewards: every episode starts from a seed, so the G episodes of a group
 * share their initial observation. Plug your own with a class that has a no-argument constructor
 * and name it in {@code swarm.task}.
 */
public interface Task {
  String name();

  /** A new episode whose initial observation is determined by {@code seed}. */
  Environment start(long seed);

  /**
   * The actions of a correct episode from {@code seed}, one per turn, for a supervised warm start;
   * empty when the task has none to show.
   */
  default Optional<List<String>> demonstration(long seed) {
    return Optional.empty();
  }

  /** The total reward from which an episode counts as a success. */
  default double successReward() {
    return 1.0;
  }

  /**
   * The built-in tasks by name, with an optional size after a colon ({@code arithmetic:20}: operands
   * up to 20; {@code reverse:5}: strings up to 5 characters; {@code guess-number:32}: 1 to 32), or the
   * class name of the user's own.
   */
  static Task byName(String name) {
    int colon = name.indexOf(':');
    String base = colon < 0 ? name : name.substring(0, colon);
    Integer size = null;
    if (colon >= 0 && BUILT_IN.contains(base)) {
      try {
        size = Integer.valueOf(name.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("task '" + name + "': the size after ':' must be a whole number");
      }
      if (size < 2 || size > 1_000_000) {
        throw new IllegalArgumentException("task '" + name + "': the size must be from 2 to 1000000");
      }
    }
    switch (base) {
      case "arithmetic":
        return new ArithmeticTask(size == null ? 99 : size);
      case "reverse":
        return new TextTask.Reverse(size == null ? 8 : size);
      case "sort-digits":
        return new TextTask.SortDigits(size == null ? 8 : size);
      case "guess-number":
        return new GuessNumberTask(size == null ? 16 : size, 6);
      default:
        try {
          return (Task) Class.forName(name).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | ClassCastException e) {
          throw new IllegalArgumentException(
              "task '" + name + "' is not one of " + BUILT_IN + " nor a Task class with a no-argument constructor (" + e + ")");
        }
    }
  }

  List<String> BUILT_IN = List.of("arithmetic", "reverse", "sort-digits", "guess-number");

  /** The agent's answer: its completion up to the first line break, trimmed. */
  static String answer(String action) {
    int end = action.indexOf('\n');
    return (end < 0 ? action : action.substring(0, end)).trim();
  }

  /** Share of positions where {@code got} has {@code want}'s character, over the longer length. */
  static double positionalCredit(String want, String got) {
    int longest = Math.max(want.length(), got.length());
    if (longest == 0) {
      return 1;
    }
    int same = 0;
    for (int i = 0; i < Math.min(want.length(), got.length()); i++) {
      if (want.charAt(i) == got.charAt(i)) {
        same++;
      }
    }
    return (double) same / longest;
  }
}
