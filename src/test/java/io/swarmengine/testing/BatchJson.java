package io.swarmengine.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.swarmengine.learn.Learner;
import io.swarmengine.replay.Episode;
import io.swarmengine.replay.Turn;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes a learner batch of single-turn episodes as the JSON the PyTorch references read:
 * {@code {"groups": [{"weight": w, "episodes": [{"prompt", "action", "old", "reward"}]}]}}.
 */
public final class BatchJson {
  private BatchJson() {}

  public static void write(List<Learner.WeightedGroup> batch, Path file) throws IOException {
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = json.createObjectNode();
    ArrayNode groups = root.putArray("groups");
    for (Learner.WeightedGroup wg : batch) {
      ObjectNode g = groups.addObject();
      g.put("weight", wg.weight());
      ArrayNode episodes = g.putArray("episodes");
      for (Episode e : wg.group().episodes()) {
        if (e.turns().size() != 1) {
          throw new IllegalArgumentException("the PyTorch references take single-turn episodes");
        }
        Turn t = e.turns().get(0);
        ObjectNode ej = episodes.addObject();
        ArrayNode prompt = ej.putArray("prompt");
        for (int x : t.observation()) {
          prompt.add(x);
        }
        ArrayNode action = ej.putArray("action");
        for (int x : t.action()) {
          action.add(x);
        }
        ArrayNode old = ej.putArray("old");
        for (float x : t.logprobs()) {
          old.add(x);
        }
        ej.put("reward", t.reward());
      }
    }
    Files.writeString(file, json.writeValueAsString(root));
  }
}
