package io.swarmengine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A LoRA adapter for a GPT-2, read and written exactly as PEFT does: {@code adapter_config.json}
 * and {@code adapter_model.safetensors} with tensors named
 * {@code base_model.model.transformer.h.0.attn.c_attn.lora_A.weight} ({@code [r, in]}) and
 * {@code ...lora_B.weight} ({@code [out, r]}). A targeted module computes
 * {@code base(x) + (alpha/r)·(x·Aᵀ)·Bᵀ}. Target names match as PEFT matches them: a module is
 * targeted when its name is, or ends with "." and, a target ({@code c_proj} targets both).
 */
public final class LoraAdapter {
  /** The modules LoRA can wrap, in a block's order. */
  public static final List<String> MODULES = List.of("attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj");

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** PEFT's LoRA settings that this engine honours. */
  public record Settings(int rank, float alpha, float dropout, List<String> targetModules, String baseModel) {
    public Settings {
      if (rank < 1 || !(alpha > 0) || !(dropout >= 0 && dropout < 1) || targetModules.isEmpty()) {
        throw new IllegalArgumentException(
            "LoRA needs r >= 1, lora_alpha > 0, lora_dropout in [0, 1) and a target module, got r=" + rank
                + ", alpha=" + alpha + ", dropout=" + dropout + ", targets=" + targetModules);
      }
      targetModules = List.copyOf(targetModules);
    }

    public boolean targets(String module) {
      for (String t : targetModules) {
        if (module.equals(t) || module.endsWith("." + t)) {
          return true;
        }
      }
      return false;
    }
  }

  private final GptConfig model;
  private final Settings settings;
  private final Map<String, float[]> tensors;
  private final Map<String, int[]> shapes;

  private LoraAdapter(GptConfig model, Settings settings, Map<String, float[]> tensors) {
    this.model = model;
    this.settings = settings;
    this.tensors = tensors;
    this.shapes = shapesOf(model, settings);
  }

  public static String tensorName(int layer, String module, String aOrB) {
    return "base_model.model.transformer.h." + layer + "." + module + ".lora_" + aOrB + ".weight";
  }

  static int[] inOut(GptConfig c, String module) {
    int e = c.embd();
    return switch (module) {
      case "attn.c_attn" -> new int[] {e, 3 * e};
      case "attn.c_proj" -> new int[] {e, e};
      case "mlp.c_fc" -> new int[] {e, 4 * e};
      case "mlp.c_proj" -> new int[] {4 * e, e};
      default -> throw new IllegalArgumentException("no module " + module);
    };
  }

  static Map<String, int[]> shapesOf(GptConfig c, Settings s) {
    Map<String, int[]> out = new LinkedHashMap<>();
    for (int l = 0; l < c.layers(); l++) {
      for (String m : MODULES) {
        if (s.targets(m)) {
          int[] io = inOut(c, m);
          out.put(tensorName(l, m, "A"), new int[] {s.rank(), io[0]});
          out.put(tensorName(l, m, "B"), new int[] {io[1], s.rank()});
        }
      }
    }
    return out;
  }

  /**
   * A fresh adapter as PEFT initialises one: A uniform in ±1/√in (kaiming-uniform with a = √5),
   * B zero, so the adapted model starts as the base model.
   */
  public static LoraAdapter create(GptConfig model, Settings settings, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    Map<String, float[]> tensors = new LinkedHashMap<>();
    for (Map.Entry<String, int[]> e : shapesOf(model, settings).entrySet()) {
      float[] a = new float[e.getValue()[0] * e.getValue()[1]];
      if (e.getKey().endsWith("lora_A.weight")) {
        double bound = 1.0 / Math.sqrt(e.getValue()[1]);
        for (int i = 0; i < a.length; i++) {
          a[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        }
      }
      tensors.put(e.getKey(), a);
    }
    return new LoraAdapter(model, settings, tensors);
  }

  public Settings settings() {
    return settings;
  }

  public GptConfig model() {
    return model;
  }

  public int rank() {
    return settings.rank();
  }

  public float scale() {
    return settings.alpha() / settings.rank();
  }

  public boolean targets(String module) {
    return settings.targets(module);
  }

  public float[] a(int layer, String module) {
    return tensors.get(tensorName(layer, module, "A"));
  }

  public float[] b(int layer, String module) {
    return tensors.get(tensorName(layer, module, "B"));
  }

  /** The tensors by PEFT name (live arrays). */
  public Map<String, float[]> tensors() {
    return tensors;
  }

  public Map<String, int[]> shapes() {
    return shapes;
  }

  /** Writes adapter_config.json and adapter_model.safetensors into {@code dir}. */
  public void write(Path dir) throws IOException {
    Files.createDirectories(dir);
    ObjectNode c = JSON.createObjectNode();
    c.put("peft_type", "LORA");
    c.put("task_type", "CAUSAL_LM");
    c.put("r", settings.rank());
    c.put("lora_alpha", settings.alpha());
    c.put("lora_dropout", settings.dropout());
    ArrayNode targets = c.putArray("target_modules");
    settings.targetModules().forEach(targets::add);
    c.put("fan_in_fan_out", true);
    c.put("bias", "none");
    c.putNull("modules_to_save");
    c.put("base_model_name_or_path", settings.baseModel());
    c.put("use_rslora", false);
    c.put("use_dora", false);
    c.putObject("rank_pattern");
    c.putObject("alpha_pattern");
    c.put("inference_mode", true);
    Files.writeString(dir.resolve("adapter_config.json"), JSON.writeValueAsString(c) + "\n");
    Map<String, Safetensors.Tensor> out = new LinkedHashMap<>();
    tensors.forEach((name, a) -> out.put(name, new Safetensors.Tensor("F32", shapes.get(name), a)));
    Safetensors.write(dir.resolve("adapter_model.safetensors"), out, Map.of("format", "pt"));
  }

  /** Reads a PEFT LoRA folder for a model of shape {@code model}, refusing what it cannot honour. */
  public static LoraAdapter read(Path dir, GptConfig model) throws ModelFormatException {
    Path configFile = dir.resolve("adapter_config.json");
    if (!Files.isRegularFile(configFile)) {
      throw new ModelFormatException(dir + " is not an adapter folder: it has no adapter_config.json");
    }
    JsonNode c;
    try {
      c = JSON.readTree(Files.readString(configFile));
    } catch (IOException e) {
      throw new ModelFormatException(configFile + " is not readable JSON: " + e.getMessage(), e);
    }
    if (c == null || !c.isObject()) {
      throw new ModelFormatException(configFile + " is not a JSON object");
    }
    if (!"LORA".equals(c.path("peft_type").asText())) {
      throw new ModelFormatException(configFile + ": peft_type is '" + c.path("peft_type").asText() + "', not LORA");
    }
    for (String flag : List.of("use_rslora", "use_dora")) {
      if (c.path(flag).asBoolean(false)) {
        throw new ModelFormatException(configFile + ": " + flag + " is not supported");
      }
    }
    if (!c.path("bias").asText("none").equals("none")) {
      throw new ModelFormatException(configFile + ": bias '" + c.path("bias").asText() + "' is not supported, only none");
    }
    for (String pattern : List.of("rank_pattern", "alpha_pattern")) {
      if (c.path(pattern).isObject() && c.path(pattern).size() > 0) {
        throw new ModelFormatException(configFile + ": a non-empty " + pattern + " is not supported");
      }
    }
    if (c.path("modules_to_save").isArray() && c.path("modules_to_save").size() > 0) {
      throw new ModelFormatException(configFile + ": modules_to_save are not supported yet");
    }
    List<String> targets = new ArrayList<>();
    JsonNode t = c.path("target_modules");
    if (t.isTextual()) {
      targets.add(t.asText());
    } else {
      t.forEach(n -> targets.add(n.asText()));
    }
    Settings settings;
    try {
      settings =
          new Settings(
              c.path("r").asInt(0),
              (float) c.path("lora_alpha").asDouble(0),
              (float) c.path("lora_dropout").asDouble(0),
              targets,
              c.path("base_model_name_or_path").asText(""));
    } catch (IllegalArgumentException e) {
      throw new ModelFormatException(configFile + ": " + e.getMessage());
    }
    Path file = dir.resolve("adapter_model.safetensors");
    if (!Files.isRegularFile(file)) {
      throw new ModelFormatException(dir + " has no adapter_model.safetensors");
    }
    Map<String, Safetensors.Tensor> read = Safetensors.read(file).tensors();
    Map<String, int[]> expected = shapesOf(model, settings);
    for (String name : read.keySet()) {
      if (!expected.containsKey(name)) {
        throw new ModelFormatException(file + ": tensor '" + name + "' is not a LoRA tensor this config and model have");
      }
    }
    Map<String, float[]> tensors = new LinkedHashMap<>();
    for (Map.Entry<String, int[]> e : expected.entrySet()) {
      Safetensors.Tensor tensor = read.get(e.getKey());
      if (tensor == null) {
        throw new ModelFormatException(file + ": tensor '" + e.getKey() + "' is missing");
      }
      if (!Arrays.equals(tensor.shape(), e.getValue())) {
        throw new ModelFormatException(
            file + ": tensor '" + e.getKey() + "' has shape " + Arrays.toString(tensor.shape()) + ", expected "
                + Arrays.toString(e.getValue()));
      }
      tensors.put(e.getKey(), tensor.data());
    }
    return new LoraAdapter(model, settings, tensors);
  }
}
