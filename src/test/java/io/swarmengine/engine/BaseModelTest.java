package io.swarmengine.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.swarmengine.model.Gpt2;
import io.swarmengine.persistence.SwarmConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BaseModelTest {
  @TempDir Path data;

  private EngineSettings settings() {
    return EngineSettings.from(SwarmConfig.load(ConfigFactory.parseMap(Map.of(
        "swarm.data-dir", data.toString(),
        "swarm.task", "arithmetic:9",
        "swarm.model.layers", 1,
        "swarm.model.heads", 2,
        "swarm.model.embd", 16,
        "swarm.model.context", 16,
        "swarm.model.warm-start.steps", 2,
        "swarm.model.warm-start.eval-every", 1))));
  }

  @Test
  void aMissingBaseIsWarmStartedAndSavedThenLoadedAsIs() {
    List<String> progress = new ArrayList<>();
    Gpt2 made = BaseModel.prepare(settings(), progress::add);
    assertTrue(progress.get(0).startsWith("no base model in " + data.resolve("base")), progress.toString());
    assertTrue(Files.isRegularFile(data.resolve("base/config.json")));
    // saved at step 1 of 2, gone with the base saved
    assertFalse(Files.exists(data.resolve("base.warm-start.safetensors")), "the warm start's checkpoint is left");

    List<String> again = new ArrayList<>();
    Gpt2 loaded = BaseModel.prepare(settings(), again::add);
    assertEquals(List.of(), again, "a saved base is loaded, not made again");
    assertEquals(made.config, loaded.config);
  }

  @Test
  void aFolderThatIsNotABaseIsRefusedBeforeAnyTraining() throws Exception {
    // e.g. a whole run's data folder copied to where the base belongs
    Files.createDirectories(data.resolve("base/journal"));
    Files.writeString(data.resolve("base/run.conf"), "swarm {}");
    List<String> progress = new ArrayList<>();
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> BaseModel.prepare(settings(), progress::add));
    assertTrue(e.getMessage().contains(data.resolve("base") + " has no config.json"), e.getMessage());
    assertTrue(e.getMessage().contains("swarm.model.base"), e.getMessage());
    assertEquals(List.of(), progress, "no warm start was begun");
    assertTrue(Files.isRegularFile(data.resolve("base/run.conf")), "nothing of the folder was touched");
    try (var left = Files.list(data)) {
      assertFalse(left.anyMatch(p -> p.getFileName().toString().startsWith(".base-")), "no temporary folder left");
    }
  }

  @Test
  void anEmptyFolderTakesTheNewBase() throws Exception {
    Files.createDirectories(data.resolve("base"));
    BaseModel.prepare(settings(), line -> { });
    assertTrue(Files.isRegularFile(data.resolve("base/model.safetensors")));
  }
}
