package io.swarmengine.env;

import java.util.List;

/**
 * A task with verifiable rewards: every episode starts from a seed, so the G episodes of a group
 * share their initial observation. Plug your own with a class that has a no-argument constructor
 * and name it in {@code swarm.env.task}.
 */
public interface Task {
  String name();

  /** A new episode whose initial observation is determined by {@code seed}. */
  Environment start(long seed);

  /** The built-in tasks by name, or the class name of the user's own. */
  static Task byName(String name) {
    switch (name) {
      case "arithmetic":
        return new ArithmeticTask(99);
      case "reverse":
        return new TextTask.Reverse(8);
      case "sort-digits":
        return new TextTask.SortDigits(8);
      case "guess-number":
        return new GuessNumberTask(16, 6);
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
