package io.swarmengine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swarmengine.model.ops.Parallel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoraAdapterTest {
  @TempDir Path dir;

  final GptConfig config = new GptConfig(2, 2, 8, 16, 20, 1e-5f, true);
  final LoraAdapter.Settings settings = new LoraAdapter.Settings(2, 4f, 0f, List.of("c_attn", "c_proj"), "base");

  @Test
  void targetsMatchAsPeftMatchesThem() {
    assertTrue(settings.targets("attn.c_attn"));
    assertTrue(settings.targets("attn.c_proj"));
    assertTrue(settings.targets("mlp.c_proj"));
    assertFalse(settings.targets("mlp.c_fc"));
    assertFalse(new LoraAdapter.Settings(2, 4f, 0f, List.of("attn.c_proj"), "b").targets("mlp.c_proj"));
  }

  @Test
  void aFreshAdapterLeavesTheModelAsItIsAndRoundTripsBitExact() throws Exception {
    Gpt2 base = Gpt2.random(config, 1, Parallel.sequential());
    LoraAdapter fresh = LoraAdapter.create(config, settings, 2);
    assertEquals(12, fresh.tensors().size(), "A and B for 3 modules in 2 layers");
    int[] tokens = {1, 5, 9};
    assertArrayEquals(base.forward(tokens).logits, base.withAdapter(fresh).forward(tokens).logits, "B starts at zero");
    fresh.b(1, "mlp.c_proj")[3] = 0.25f;
    fresh.write(dir);
    LoraAdapter read = LoraAdapter.read(dir, config);
    for (String name : fresh.tensors().keySet()) {
      assertArrayEquals(fresh.tensors().get(name), read.tensors().get(name), name);
    }
    assertEquals(fresh.settings(), read.settings());
    assertEquals(2f, read.scale());
    String json = Files.readString(dir.resolve("adapter_config.json"));
    assertTrue(json.contains("\"peft_type\" : \"LORA\"") && json.contains("\"fan_in_fan_out\" : true"), json);
    assertTrue(Safetensors.read(dir.resolve("adapter_model.safetensors")).tensors()
        .containsKey("base_model.model.transformer.h.1.mlp.c_proj.lora_B.weight"));
  }

  @Test
  void wholeParametersTravelAsModulesToSave() throws Exception {
    Gpt2 base = Gpt2.random(config, 1, Parallel.sequential());
    LoraAdapter adapter = LoraAdapter.create(config, settings, 2);
    float[] lnf = adapter.keep("transformer.ln_f.weight", base.parameters().get("transformer.ln_f.weight"));
    lnf[0] = 3f;
    adapter.keep("transformer.h.0.mlp.c_fc.bias", base.parameters().get("transformer.h.0.mlp.c_fc.bias"))[1] = 0.5f;
    assertThrows(IllegalArgumentException.class, () -> adapter.keep("transformer.h.0.attn.c_attn.weight", new float[1]));
    adapter.write(dir);
    String json = Files.readString(dir.resolve("adapter_config.json"));
    assertTrue(json.contains("\"modules_to_save\" : [ \"ln_f\" ]") && json.contains("\"bias\" : \"all\""), json);
    assertTrue(Safetensors.read(dir.resolve("adapter_model.safetensors")).tensors().containsKey("base_model.model.transformer.ln_f.weight"));
    LoraAdapter read = LoraAdapter.read(dir, config);
    assertEquals(3f, read.savedParameters().get("transformer.ln_f.weight")[0]);
    // bias "all": the biases it carries replace the base's, the others stay (PEFT loads non-strictly)
    assertEquals(0.5f, read.savedParameters().get("transformer.h.0.mlp.c_fc.bias")[1]);
    assertEquals(2, read.savedParameters().size());
    Gpt2 adapted = base.withAdapter(read);
    assertEquals(3f, adapted.parameters().get("transformer.ln_f.weight")[0]);
    assertEquals(1f, base.parameters().get("transformer.ln_f.weight")[0], "the base is untouched");
  }

  @Test
  void adaptersItCannotHonourAreRefused() throws Exception {
    assertTrue(assertThrows(ModelFormatException.class, () -> LoraAdapter.read(dir, config)).getMessage().contains("no adapter_config.json"));
    LoraAdapter.create(config, settings, 2).write(dir);
    String good = Files.readString(dir.resolve("adapter_config.json"));
    Files.writeString(dir.resolve("adapter_config.json"), good.replace("\"use_dora\" : false", "\"use_dora\" : true"));
    assertTrue(assertThrows(ModelFormatException.class, () -> LoraAdapter.read(dir, config)).getMessage().contains("use_dora is not supported"));
    Files.writeString(dir.resolve("adapter_config.json"), good.replace("\"r\" : 2", "\"r\" : 3"));
    String shape = assertThrows(ModelFormatException.class, () -> LoraAdapter.read(dir, config)).getMessage();
    assertTrue(shape.contains("has shape [2, 8], expected [3, 8]"), shape);
    Files.writeString(dir.resolve("adapter_config.json"), good);
    // an adapter made for another model
    GptConfig wider = new GptConfig(2, 2, 16, 16, 20, 1e-5f, true);
    assertThrows(ModelFormatException.class, () -> LoraAdapter.read(dir, wider));
    Map<String, Safetensors.Tensor> tensors = new LinkedHashMap<>(Safetensors.read(dir.resolve("adapter_model.safetensors")).tensors());
    tensors.remove("base_model.model.transformer.h.0.attn.c_attn.lora_A.weight");
    Safetensors.write(dir.resolve("adapter_model.safetensors"), tensors, Map.of());
    assertTrue(assertThrows(ModelFormatException.class, () -> LoraAdapter.read(dir, config)).getMessage()
        .contains("'base_model.model.transformer.h.0.attn.c_attn.lora_A.weight' is missing"));
    assertThrows(IllegalArgumentException.class, () -> Gpt2.random(wider, 1, Parallel.sequential()).withAdapter(LoraAdapter.create(config, settings, 1)));
  }
}
