package io.swarmengine.replay;

import java.util.List;

/** An episode: the turns of one agent from the group's initial observation to the end. */
public record Episode(List<Turn> turns) {
  public Episode {
    turns = List.copyOf(turns);
  }

  /** The sum of the turns' rewards. */
  public double totalReward() {
    double sum = 0;
    for (Turn t : turns) {
      sum += t.reward();
    }
    return sum;
  }

  public int tokens() {
    int n = 0;
    for (Turn t : turns) {
      n += t.tokens();
    }
    return n;
  }
}
