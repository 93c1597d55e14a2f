package io.swarmengine.replay;

import java.util.ArrayList;
import java.util.List;

/**
 * What the replay accepts: token ids below {@code vocabSize} and at most {@code maxTokens} tokens
 * and {@code maxEpisodes} episodes per group. {@link #problems} says, for a group, every reason it
 * is refused.
 */
public record GroupLimits(int vocabSize, long maxTokens, int maxEpisodes) {

  public GroupLimits {
    if (vocabSize < 1 || maxTokens < 1 || maxEpisodes < 1) {
      throw new IllegalArgumentException("replay limits must be >= 1: " + this);
    }
  }

  /** Why {@code g} cannot enter the replay; empty when it can. */
  public List<String> problems(EpisodeGroup g) {
    List<String> out = new ArrayList<>();
    if (g.id() == null || g.id().isBlank()) {
      out.add("the group has no id");
    }
    if (g.position() < 0) {
      out.add("position " + g.position() + " is negative");
    }
    if (g.adapterVersion() < 0) {
      out.add("adapter version " + g.adapterVersion() + " is negative");
    }
    if (g.episodes().isEmpty()) {
      out.add("the group has no episodes");
    } else if (g.episodes().size() > maxEpisodes) {
      out.add(g.episodes().size() + " episodes, more than the limit " + maxEpisodes);
    }
    long tokens = 0;
    for (int e = 0; e < g.episodes().size(); e++) {
      List<Turn> turns = g.episodes().get(e).turns();
      if (turns.isEmpty()) {
        out.add("episode " + e + " has no turns");
      }
      for (int t = 0; t < turns.size(); t++) {
        String where = "episode " + e + " turn " + t;
        Turn turn = turns.get(t);
        if (turn.observation() == null || turn.action() == null || turn.logprobs() == null) {
          out.add(where + " is missing its observation, action or log-probabilities");
          continue;
        }
        tokens += turn.tokens();
        if (!Float.isFinite(turn.reward())) {
          out.add(where + " has a non-finite reward " + turn.reward());
        }
        if (turn.logprobs().length != turn.action().length) {
          out.add(where + " has " + turn.logprobs().length + " log-probabilities for "
              + turn.action().length + " action tokens");
        }
        checkTokens(out, where + " observation", turn.observation());
        checkTokens(out, where + " action", turn.action());
        for (int i = 0; i < turn.logprobs().length; i++) {
          float lp = turn.logprobs()[i];
          if (!Float.isFinite(lp) || lp > 1e-4f) {
            out.add(where + " log-probability " + i + " is " + lp + ", not a finite value <= 0");
            break;
          }
        }
      }
    }
    if (tokens > maxTokens) {
      out.add(tokens + " tokens, more than the limit " + maxTokens);
    }
    return out;
  }

  private void checkTokens(List<String> out, String where, int[] tokens) {
    for (int i = 0; i < tokens.length; i++) {
      if (tokens[i] < 0 || tokens[i] >= vocabSize) {
        out.add(where + " token " + i + " is " + tokens[i] + ", outside [0, " + vocabSize + ")");
        return;
      }
    }
  }
}
