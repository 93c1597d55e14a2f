package io.swarmengine.engine;

import io.swarmengine.model.ByteTokenizer;
import io.swarmengine.model.Gpt2;
import io.swarmengine.model.ModelFormatException;
import io.swarmengine.model.ops.Parallel;
import io.swarmengine.persistence.Folders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.ForkJoinPool;
import java.util.function.Consumer;

/**
 * The run's base model: the HF folder {@code swarm.model.base} (config.json + model.safetensors)
 * when it exists; otherwise a fresh GPT-2 of the configured size, warm-started on the task and
 * saved there (moved into place whole, so a stop during the warm start leaves no half model; the
 * warm start's own progress is kept beside it, see {@link WarmStartCheckpoint}).
 */
final class BaseModel {
  private BaseModel() {}

  /** The base for workers and the application's policy (sequential matmuls: parallelism is across workers). */
  static Gpt2 prepare(EngineSettings settings, Consumer<String> progress) {
    Path dir = settings.baseModel();
    if (!Files.isRegularFile(dir.resolve("config.json"))) {
      requireRoomForANewBase(dir);
      create(settings, progress);
    }
    return load(settings, Parallel.sequential());
  }

  /**
   * A new base is moved into place whole at the end of the warm start, which needs the path free
   * or an empty folder: say so before minutes of training rather than after.
   */
  private static void requireRoomForANewBase(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    boolean empty = false;
    if (Files.isDirectory(dir)) {
      try (var entries = Files.list(dir)) {
        empty = entries.findAny().isEmpty();
      } catch (IOException e) {
        throw new IllegalStateException("cannot read the base model folder " + dir + ": " + e.getMessage(), e);
      }
    }
    if (!empty) {
      throw new IllegalStateException("the base model folder " + dir + " has no config.json, so it is not a base model"
          + " (an HF GPT-2 folder: config.json and model.safetensors), and it is not empty, so no new base can be"
          + " warm-started into it: move it away, or point swarm.model.base at a base model folder");
    }
  }

  static Gpt2 load(EngineSettings settings, Parallel par) {
    try {
      Gpt2 model = Gpt2.load(settings.baseModel(), par);
      if (model.config.vocab() < ByteTokenizer.VOCAB) {
        throw new IllegalStateException("the base model in " + settings.baseModel() + " has a vocabulary of "
            + model.config.vocab() + " tokens; the byte tokenizer needs " + ByteTokenizer.VOCAB);
      }
      return model;
    } catch (ModelFormatException e) {
      throw new IllegalStateException("cannot load the base model from " + settings.baseModel() + ": " + e.getMessage(), e);
    }
  }

  private static void create(EngineSettings settings, Consumer<String> progress) {
    Gpt2 model = Gpt2.random(settings.freshModel(), settings.seed(), Parallel.sequential());
    WarmStart.Settings warm = settings.warmStart();
    WarmStartCheckpoint checkpoint = null;
    if (warm.steps() > 0) {
      checkpoint = checkpoint(settings);
      progress.accept(String.format("no base model in %s: warm-starting a fresh GPT-2 (%d layers, %d wide, %d context) "
              + "with SFT on %s, up to %d steps",
          settings.baseModel(), settings.freshModel().layers(), settings.freshModel().embd(),
          settings.freshModel().positions(), settings.task().name(), warm.steps()));
      // the training step's threads: nothing else runs yet
      ForkJoinPool pool = new ForkJoinPool(settings.trainerThreads());
      WarmStart.Result r;
      try {
        r = WarmStart.run(model, settings.task(), new ByteTokenizer(), warm, settings.rollout().maxTokens(),
            settings.seed() * 7919, new Parallel(pool), checkpoint, progress);
      } finally {
        pool.shutdownNow();
      }
      progress.accept(String.format(java.util.Locale.ROOT, "warm start done: %d steps, loss %.3f, greedy success %.1f%%",
          r.steps(), r.loss(), 100 * r.success()));
    }
    try {
      Files.createDirectories(settings.baseModel().getParent());
      Path tmp = Files.createTempDirectory(settings.baseModel().getParent(), ".base-");
      try {
        model.save(tmp);
        Files.move(tmp, settings.baseModel(), StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException | RuntimeException e) {
        deleteQuietly(tmp);
        throw e;
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot save the base model to " + settings.baseModel() + ": " + e.getMessage(), e);
    }
    if (checkpoint != null) {
      checkpoint.delete();
    }
  }

  /** Beside the base folder: {@code DIR/base.warm-start.safetensors}, for what the warm start's steps depend on. */
  private static WarmStartCheckpoint checkpoint(EngineSettings settings) {
    WarmStart.Settings warm = settings.warmStart();
    // a task's name does not tell its variants apart (arithmetic:9 and arithmetic:20): its first demonstrations do
    StringBuilder demos = new StringBuilder();
    for (long seed = 0; seed < 8; seed++) {
      demos.append(settings.task().start(seed).observation()).append('\u0000')
          .append(settings.task().demonstration(seed).orElse(java.util.List.of())).append('\u0000');
    }
    String fingerprint = String.format(java.util.Locale.ROOT, "task=%s/%08x model=%s batch=%d lr=%s seed=%d",
        settings.task().name(), demos.toString().hashCode(), settings.freshModel(), warm.batch(), warm.lr(), settings.seed());
    Path base = settings.baseModel();
    return new WarmStartCheckpoint(base.resolveSibling(base.getFileName() + ".warm-start.safetensors"), fingerprint);
  }

  private static void deleteQuietly(Path tmp) {
    try {
      Folders.deleteTree(tmp);
    } catch (IOException ignored) {
      // a leftover .base-* folder costs disk only; the save's own error is the one to report
    }
  }
}
