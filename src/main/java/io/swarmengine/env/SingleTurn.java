package io.swarmengine.env;

/**
 * A one-question episode: the observation is the question; the first action is graded (1 for the
 * exact answer, partial credit below that) and ends it.
 */
abstract class SingleTurn implements Environment {
  private final String question;
  private boolean done;

  SingleTurn(String question) {
    this.question = question;
  }

  @Override
  public String observation() {
    return done ? "" : question;
  }

  @Override
  public Step act(String action) {
    if (done) {
      throw new IllegalStateException("the episode is over");
    }
    done = true;
    return new Step("", grade(Task.answer(action)), true);
  }

  /** The reward in [0, 1] of an answer. */
  abstract double grade(String answer);
}
