package io.swarmengine.env;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TasksTest {

  private static String[] operands(String question) {
    return question.substring(0, question.length() - 1).split("\\+");
  }

  @Test
  void arithmeticGradesExactAnswersAndGivesPartialCredit() {
    Task task = Task.byName("arithmetic");
    Environment env = task.start(42);
    String question = env.observation();
    assertEquals(question, task.start(42).observation(), "the same seed, the same question");
    String[] ab = operands(question);
    int sum = Integer.parseInt(ab[0]) + Integer.parseInt(ab[1]);
    Environment.Step right = env.act(sum + "\nmore text");
    assertEquals(1.0, right.reward());
    assertTrue(right.done());
    assertThrows(IllegalStateException.class, () -> env.act("1"));
    ArithmeticTask fixed = new ArithmeticTask(99);
    // find a seed with a two-digit sum to grade a near miss
    for (long seed = 0; seed < 100; seed++) {
      Environment e = fixed.start(seed);
      String[] xy = operands(e.observation());
      int s = Integer.parseInt(xy[0]) + Integer.parseInt(xy[1]);
      if (s >= 10 && s <= 99) {
        String nearMiss = s / 10 + "" + ((s % 10 + 1) % 10);
        assertEquals(0.25, e.act(nearMiss).reward(), 1e-12, "one digit of two right, half credit");
        assertEquals(0.0, fixed.start(seed).act("abc").reward());
        assertEquals(0.0, fixed.start(seed).act("1234").reward(), "wrong length");
        return;
      }
    }
    throw new AssertionError("no two-digit sum in 100 seeds");
  }

  @Test
  void textTasksGradeByPosition() {
    Environment reverse = new TextTask.Reverse(8).start(3);
    String input = reverse.observation().substring("reverse: ".length(), reverse.observation().length() - 1);
    String reversed = new StringBuilder(input).reverse().toString();
    assertEquals(1.0, reverse.act(reversed).reward());
    // the input itself, not reversed: half its positional credit against the answer
    Environment again = new TextTask.Reverse(8).start(3);
    assertEquals(0.5 * Task.positionalCredit(reversed, input), again.act(input).reward(), 1e-12);
    Environment sort = Task.byName("sort-digits").start(5);
    String digits = sort.observation().substring("sort: ".length(), sort.observation().length() - 1);
    char[] c = digits.toCharArray();
    java.util.Arrays.sort(c);
    assertEquals(1.0, sort.act(new String(c)).reward());
    assertEquals(0.5, Task.positionalCredit("abcd", "abxy"), 1e-12);
    assertEquals(0.5, Task.positionalCredit("abcd", "ab"), 1e-12, "over the longer length");
    assertEquals(0.0, Task.positionalCredit("abcd", ""), 1e-12);
  }

  @Test
  void guessNumberIsMultiTurnWithFeedback() {
    GuessNumberTask task = new GuessNumberTask(16, 6);
    Environment env = task.start(11);
    assertEquals("guess a number from 1 to 16:", env.observation());
    // binary search with the feedback
    int low = 1;
    int high = 16;
    int turns = 0;
    while (true) {
      int guess = (low + high) / 2;
      Environment.Step step = env.act(Integer.toString(guess));
      turns++;
      if (step.done()) {
        assertEquals(1.0 - (turns - 1) / 6.0, step.reward(), 1e-12);
        break;
      }
      assertEquals(0, step.reward());
      if (step.observation().startsWith("higher")) {
        low = guess + 1;
      } else {
        assertTrue(step.observation().startsWith("lower"), step.observation());
        high = guess - 1;
      }
    }
    assertTrue(turns <= 5);
    Environment invalid = task.start(11);
    Environment.Step bad = invalid.act("seventeen");
    assertEquals(-0.1, bad.reward());
    assertFalse(bad.done());
    assertTrue(bad.observation().startsWith("invalid"));
    Environment out = new GuessNumberTask(16, 2).start(11);
    out.act("99");
    assertTrue(out.act("0").done(), "out of turns");
  }

  @Test
  void unknownTasksAreAClearError() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Task.byName("chess"));
    assertTrue(e.getMessage().contains("'chess' is not one of [arithmetic, reverse, sort-digits, guess-number]"), e.getMessage());
  }
}
