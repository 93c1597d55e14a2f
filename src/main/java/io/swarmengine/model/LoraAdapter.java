package io.swarmengine.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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
 * Base parameters trained whole travel with it as PEFT's {@code modules_to_save}
 * ({@code base_model.model.transformer.ln_f.weight}; linear biases with {@code bias: "all"}) and
 * replace the base's when the adapter is applied.
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
  /** Full base parameters this adapter replaces (PEFT's modules_to_save, and biases), by HF name. */
  private final Map<String, float[]> saved = new LinkedHashMap<>();

  private LoraAdapter(GptConfig model, Settings settings, Map<String, float[]> tensors) {
    this.model = model;
    this.settings = settings;
    this.tensors = tensors;
    this.shapes = shapesOf(model, settings);
  }

  /** The PEFT module a full parameter travels in: "bias" for linear biases (PEFT's bias "all"). */
  static String savedModuleOf(String parameter) {
    if (parameter.equals("transformer.wte.weight")) {
      return "wte";
    }
    if (parameter.equals("transformer.wpe.weight")) {
      return "wpe";
    }
    if (parameter.startsWith("transformer.ln_f.")) {
      return "ln_f";
    }
    if (parameter.equals("lm_head.weight")) {
      return "lm_head";
    }
    if (parameter.contains(".ln_1.")) {
      return "ln_1";
    }
    if (parameter.contains(".ln_2.")) {
      return "ln_2";
    }
    if (parameter.endsWith(".bias")) {
      return "bias";
    }
    throw new IllegalArgumentException("'" + parameter + "' is adapted by LoRA, it cannot travel whole");
  }

  /**
   * Makes this adapter carry its own copy of a base parameter, trained in place of the base's:
   * written as PEFT writes {@code modules_to_save} ({@code base_model.model.<name>}; linear biases
   * as {@code bias: "all"}). Returns the copy.
   */
  public float[] keep(String parameter, float[] baseValues) {
    savedModuleOf(parameter);
    return saved.computeIfAbsent(parameter, name -> baseValues.clone());
  }

  /** The base parameters this adapter replaces, by Hugging Face name (live arrays). */
  public Map<String, float[]> savedParameters() {
    return saved;
  }

  private List<String> modulesToSave() {
    List<String> out = new ArrayList<>();
    for (String name : saved.keySet()) {
      String module = savedModuleOf(name);
      if (!module.equals("bias") && !out.contains(module)) {
        out.add(module);
      }
    }
    return out;
  }

  private boolean savesBiases() {
    return saved.keySet().stream().anyMatch(n -> savedModuleOf(n).equals("bias"));
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

  /** A deep copy: its tensors and kept base parameters are its own. */
  public LoraAdapter copy() {
    Map<String, float[]> copied = new LinkedHashMap<>();
    tensors.forEach((name, values) -> copied.put(name, values.clone()));
    LoraAdapter out = new LoraAdapter(model, settings, copied);
    saved.forEach((name, values) -> out.saved.put(name, values.clone()));
    return out;
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
    Files.write(dir.resolve("adapter_config.json"), configBytes());
    Safetensors.write(dir.resolve("adapter_model.safetensors"), weightsBytes());
  }

  /** The bytes of adapter_config.json: PEFT's LoRA config. */
  public byte[] configBytes() {
    ObjectNode c = JSON.createObjectNode();
    c.put("peft_type", "LORA");
    c.put("task_type", "CAUSAL_LM");
    c.put("r", settings.rank());
    c.put("lora_alpha", settings.alpha());
    c.put("lora_dropout", settings.dropout());
    ArrayNode targets = c.putArray("target_modules");
    settings.targetModules().forEach(targets::add);
    c.put("fan_in_fan_out", true);
    c.put("bias", savesBiases() ? "all" : "none");
    List<String> modules = modulesToSave();
    if (modules.isEmpty()) {
      c.putNull("modules_to_save");
    } else {
      ArrayNode m = c.putArray("modules_to_save");
      modules.forEach(m::add);
    }
    c.put("base_model_name_or_path", settings.baseModel());
    c.put("use_rslora", false);
    c.put("use_dora", false);
    c.putObject("rank_pattern");
    c.putObject("alpha_pattern");
    c.put("inference_mode", true);
    try {
      return (JSON.writeValueAsString(c) + "\n").getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("the adapter config could not be written: " + e.getMessage(), e);
    }
  }

  /** The bytes of adapter_model.safetensors: the LoRA tensors and the full parameters it saves. */
  public byte[] weightsBytes() {
    Map<String, Safetensors.Tensor> out = new LinkedHashMap<>();
    tensors.forEach((name, a) -> out.put(name, new Safetensors.Tensor("F32", shapes.get(name), a)));
    Map<String, int[]> baseShapes = Gpt2.shapesOf(model, saved.containsKey("lm_head.weight"));
    saved.forEach((name, a) -> out.put("base_model.model." + name, new Safetensors.Tensor("F32", baseShapes.get(name), a)));
    return Safetensors.encode(out, Map.of("format", "pt"));
  }

  /** Reads a PEFT LoRA folder for a model of shape {@code model}, refusing what it cannot honour. */
  public static LoraAdapter read(Path dir, GptConfig model) throws ModelFormatException {
    Path configFile = dir.resolve("adapter_config.json");
    if (!Files.isRegularFile(configFile)) {
      throw new ModelFormatException(dir + " is not an adapter folder: it has no adapter_config.json");
    }
    Path weightsFile = dir.resolve("adapter_model.safetensors");
    try {
      byte[] config = Files.readAllBytes(configFile);
      return parse(dir, config, Files.isRegularFile(weightsFile) ? Files.readAllBytes(weightsFile) : null, model);
    } catch (IOException e) {
      throw new ModelFormatException("cannot read the adapter in " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * The adapter whose adapter_config.json and adapter_model.safetensors hold {@code config} and
   * {@code weights} (null: the folder has no weights file), as {@link #read} would make it;
   * {@code dir} names the files in errors.
   */
  public static LoraAdapter parse(Path dir, byte[] config, byte[] weights, GptConfig model) throws ModelFormatException {
    Path configFile = dir.resolve("adapter_config.json");
    JsonNode c;
    try {
      c = JSON.readTree(config);
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
    String bias = c.path("bias").asText("none");
    if (!bias.equals("none") && !bias.equals("all")) {
      throw new ModelFormatException(configFile + ": bias '" + bias + "' is not supported, only none and all");
    }
    for (String pattern : List.of("rank_pattern", "alpha_pattern")) {
      if (c.path(pattern).isObject() && c.path(pattern).size() > 0) {
        throw new ModelFormatException(configFile + ": a non-empty " + pattern + " is not supported");
      }
    }
    List<String> modulesToSave = new ArrayList<>();
    c.path("modules_to_save").forEach(n -> modulesToSave.add(n.asText()));
    for (String m : modulesToSave) {
      if (!List.of("wte", "wpe", "ln_1", "ln_2", "ln_f", "lm_head").contains(m)) {
        throw new ModelFormatException(configFile + ": modules_to_save entry '" + m + "' is not a GPT-2 module this engine trains whole");
      }
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
    if (weights == null) {
      throw new ModelFormatException(dir + " has no adapter_model.safetensors");
    }
    Map<String, Safetensors.Tensor> read = Safetensors.parse(ByteBuffer.wrap(weights), file.toString()).tensors();
    Map<String, int[]> expected = shapesOf(model, settings);
    // the whole base parameters the config says travel with the adapter
    Map<String, int[]> baseShapes = Gpt2.shapesOf(model, read.containsKey("base_model.model.lm_head.weight"));
    Map<String, int[]> savedExpected = new LinkedHashMap<>();
    for (Map.Entry<String, int[]> e : baseShapes.entrySet()) {
      String module;
      try {
        module = savedModuleOf(e.getKey());
      } catch (IllegalArgumentException notWhole) {
        continue;
      }
      if (module.equals("bias") ? bias.equals("all") : modulesToSave.contains(module)) {
        savedExpected.put("base_model.model." + e.getKey(), e.getValue());
      }
    }
    for (String name : read.keySet()) {
      if (!expected.containsKey(name) && !savedExpected.containsKey(name)) {
        throw new ModelFormatException(file + ": tensor '" + name + "' is not a LoRA tensor this config and model have");
      }
    }
    // whole parameters may be partial: PEFT loads with strict=False, the rest stay the base's
    for (Map.Entry<String, int[]> e : savedExpected.entrySet()) {
      if (read.containsKey(e.getKey())) {
        expected.put(e.getKey(), e.getValue());
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
    Map<String, float[]> lora = new LinkedHashMap<>();
    LoraAdapter adapter = new LoraAdapter(model, settings, lora);
    for (Map.Entry<String, float[]> e : tensors.entrySet()) {
      if (savedExpected.containsKey(e.getKey())) {
        adapter.saved.put(e.getKey().substring("base_model.model.".length()), e.getValue());
      } else {
        lora.put(e.getKey(), e.getValue());
      }
    }
    return adapter;
  }
}
