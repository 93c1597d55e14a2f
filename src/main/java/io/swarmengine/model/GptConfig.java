package io.swarmengine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A GPT-2's shape, read from and written as a Hugging Face {@code config.json}: layers, heads,
 * embedding width, context length, vocabulary, LayerNorm epsilon, and whether the output head is
 * the token embedding (tied).
 */
public record GptConfig(
    int layers, int heads, int embd, int positions, int vocab, float layerNormEpsilon, boolean tieWordEmbeddings) {

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public GptConfig {
    if (layers < 1 || heads < 1 || embd < 1 || positions < 1 || vocab < 1) {
      throw new IllegalArgumentException("every GPT-2 size must be >= 1: " + this);
    }
    if (embd % heads != 0) {
      throw new IllegalArgumentException("n_embd " + embd + " is not a multiple of n_head " + heads);
    }
    if (!(layerNormEpsilon > 0)) {
      throw new IllegalArgumentException("layer_norm_epsilon must be > 0, got " + layerNormEpsilon);
    }
  }

  public int headSize() {
    return embd / heads;
  }

  public static GptConfig read(Path file) throws ModelFormatException {
    if (!Files.isRegularFile(file)) {
      throw new ModelFormatException(file.getParent() + " is not a model folder: it has no config.json");
    }
    JsonNode json;
    try {
      json = JSON.readTree(Files.readString(file));
    } catch (IOException e) {
      throw new ModelFormatException("cannot read " + file + ": " + e.getMessage(), e);
    }
    if (json == null || !json.isObject()) {
      throw new ModelFormatException(file + " is not a JSON object");
    }
    String type = json.path("model_type").asText("gpt2");
    if (!type.equals("gpt2")) {
      throw new ModelFormatException(file + ": model_type is '" + type + "'; only gpt2 is supported");
    }
    String activation = json.path("activation_function").asText("gelu_new");
    if (!activation.equals("gelu_new")) {
      throw new ModelFormatException(file + ": activation_function '" + activation + "' is not gelu_new");
    }
    try {
      return new GptConfig(
          required(json, "n_layer", file),
          required(json, "n_head", file),
          required(json, "n_embd", file),
          required(json, "n_positions", file),
          required(json, "vocab_size", file),
          (float) json.path("layer_norm_epsilon").asDouble(1e-5),
          json.path("tie_word_embeddings").asBoolean(true));
    } catch (IllegalArgumentException e) {
      throw new ModelFormatException(file + ": " + e.getMessage());
    }
  }

  private static int required(JsonNode json, String key, Path file) throws ModelFormatException {
    JsonNode v = json.get(key);
    if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) {
      throw new ModelFormatException(file + ": '" + key + "' is missing or not a whole number");
    }
    return v.asInt();
  }

  /** Writes a config.json that Hugging Face's GPT2LMHeadModel reads. */
  public void write(Path file) throws IOException {
    ObjectNode json = JSON.createObjectNode();
    json.putArray("architectures").add("GPT2LMHeadModel");
    json.put("model_type", "gpt2");
    json.put("n_layer", layers);
    json.put("n_head", heads);
    json.put("n_embd", embd);
    json.put("n_positions", positions);
    json.put("n_ctx", positions);
    json.put("vocab_size", vocab);
    json.put("layer_norm_epsilon", layerNormEpsilon);
    json.put("activation_function", "gelu_new");
    json.put("tie_word_embeddings", tieWordEmbeddings);
    json.put("resid_pdrop", 0.0);
    json.put("embd_pdrop", 0.0);
    json.put("attn_pdrop", 0.0);
    json.put("torch_dtype", "float32");
    Files.writeString(file, JSON.writeValueAsString(json) + "\n");
  }
}
