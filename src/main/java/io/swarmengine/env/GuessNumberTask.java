package io.swarmengine.env;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import java.util.SplittableRandom;

/**
 * A multi-turn task: find a secret number from 1 to {@code max} in at most {@code maxTurns}
 * guesses, told "higher" or "lower" after each. Finding it scores {@code 1 − (turns − 1)/maxTurns};
 * an invalid guess is told so and scores −0.1 on that turn; running out of turns ends the episode.
 */
public final class GuessNumberTask implements Task {
  private final int max;
  private final int maxTurns;

  public GuessNumberTask(int max, int maxTurns) {
    if (max < 2 || maxTurns < 1) {
      throw new IllegalArgumentException("guess-number needs max >= 2 and maxTurns >= 1");
    }
    this.max = max;
    this.maxTurns = maxTurns;
  }

  @Override
  public String name() {
    return "guess-number";
  }

  /** Binary search: the middle of what is left, until the secret. */
  @Override
  public Optional<List<String>> demonstration(long seed) {
    int secret = 1 + new SplittableRandom(seed).nextInt(max);
    List<String> guesses = new ArrayList<>();
    int low = 1;
    int high = max;
    while (guesses.size() < maxTurns) {
      int guess = (low + high) >>> 1;
      guesses.add(Integer.toString(guess));
      if (guess == secret) {
        break;
      }
      if (guess < secret) {
        low = guess + 1;
      } else {
        high = guess - 1;
      }
    }
    return Optional.of(guesses);
  }

  /** Found at all, on any turn. */
  @Override
  public double successReward() {
    return 1.0 - (double) (maxTurns - 1) / maxTurns;
  }

  @Override
  public Environment start(long seed) {
    int secret = 1 + new SplittableRandom(seed).nextInt(max);
    return new Environment() {
      private int turns;
      private boolean done;
      private String observation = "guess a number from 1 to " + max + ":";

      @Override
      public String observation() {
        return observation;
      }

      @Override
      public Step act(String action) {
        if (done) {
          throw new IllegalStateException("the episode is over");
        }
        turns++;
        String answer = Task.answer(action);
        double reward;
        if (!answer.matches("[0-9]{1,9}") || Integer.parseInt(answer) < 1 || Integer.parseInt(answer) > max) {
          observation = "invalid; guess a number from 1 to " + max + ":";
          reward = -0.1;
        } else if (Integer.parseInt(answer) == secret) {
          done = true;
          observation = "";
          return new Step("", 1.0 - (double) (turns - 1) / maxTurns, true);
        } else {
          observation = (Integer.parseInt(answer) < secret ? "higher" : "lower") + "; guess again:";
          reward = 0;
        }
        if (turns >= maxTurns) {
          done = true;
          observation = "";
        }
        return new Step(observation, reward, done);
      }
    };
  }
}
