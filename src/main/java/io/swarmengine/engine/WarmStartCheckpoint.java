package io.swarmengine.engine;

import io.swarmengine.learn.Optimizer;
import io.swarmengine.model.Gpt2;
import io.swarmengine.model.ModelFormatException;
import io.swarmengine.model.Safetensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A warm start's progress, saved at each of its evaluations so that a stop (Ctrl-C, {@code kill -9})
 * costs at most the steps since the last one: one safetensors file of the model's parameters, the
 * optimizer's moments, the step reached, and the fingerprint of what the steps depend on (task,
 * model shape, batch, lr, seed). The demonstrations of step k depend on k alone, so a resumed warm
 * start goes on exactly as the stopped one would have (on the same number of threads).
 */
final class WarmStartCheckpoint {
  /** Where a saved warm start stood: its step and its last step's loss (NaN when none was saved). */
  record Progress(int step, double loss) {
    static final Progress NONE = new Progress(0, Double.NaN);
  }

  private static final String STEP = "warm_start_step";
  private static final String LOSS = "loss";
  private static final String OPTIMIZER_STEPS = "optimizer_steps";
  private static final String FINGERPRINT = "fingerprint";
  private static final String CRC = "crc32";

  private final Path file;
  private final String fingerprint;

  WarmStartCheckpoint(Path file, String fingerprint) {
    this.file = file;
    this.fingerprint = fingerprint;
  }

  Path file() {
    return file;
  }

  /** Saves the warm start after {@code step} steps, whole or not at all (beside it, then moved). */
  void save(Progress progress, Gpt2 model, Optimizer optimizer) throws IOException {
    Map<String, Safetensors.Tensor> tensors = new LinkedHashMap<>();
    model.parameters().forEach((name, a) -> tensors.put("param." + name, Safetensors.Tensor.flat(a)));
    optimizer.moments().forEach((key, a) -> tensors.put(key, Safetensors.Tensor.flat(a)));
    Files.createDirectories(file.getParent());
    Safetensors.write(file, tensors, Map.of(STEP, Integer.toString(progress.step()),
        LOSS, Double.toString(progress.loss()), OPTIMIZER_STEPS, Long.toString(optimizer.steps()),
        FINGERPRINT, fingerprint, CRC, Safetensors.crc32(tensors)));
  }

  /**
   * Puts a saved warm start back into {@code model} and {@code optimizer} and returns where it
   * stood; {@link Progress#NONE} when there is none. One that cannot be used (another run's settings, a torn or foreign file) is
   * deleted, with a progress line that says why, and the warm start begins at step 0.
   */
  Progress restore(Gpt2 model, Optimizer optimizer, Consumer<String> progress) {
    if (!Files.isRegularFile(file)) {
      return Progress.NONE;
    }
    try {
      Safetensors.Contents saved = Safetensors.read(file);
      Map<String, String> meta = saved.metadata();
      if (!fingerprint.equals(meta.get(FINGERPRINT))) {
        throw new ModelFormatException("it was saved by a warm start of other settings (" + meta.get(FINGERPRINT) + ")");
      }
      if (!Safetensors.crc32(saved.tensors()).equals(meta.get(CRC))) {
        throw new ModelFormatException("its tensors do not match its checksum");
      }
      for (Map.Entry<String, float[]> p : model.parameters().entrySet()) { // every one checked before any is copied
        Safetensors.Tensor t = saved.tensors().get("param." + p.getKey());
        if (t == null || t.data().length != p.getValue().length) {
          throw new ModelFormatException("it has no parameter '" + p.getKey() + "' of " + p.getValue().length + " values");
        }
      }
      int step = Integer.parseInt(meta.get(STEP));
      double loss = meta.containsKey(LOSS) ? Double.parseDouble(meta.get(LOSS)) : Double.NaN; // older builds saved none
      long optimizerSteps = Long.parseLong(meta.get(OPTIMIZER_STEPS));
      model.parameters().forEach((name, a) -> System.arraycopy(saved.tensors().get("param." + name).data(), 0, a, 0, a.length));
      Map<String, float[]> moments = new LinkedHashMap<>();
      saved.tensors().forEach((key, t) -> moments.put(key, t.data())); // restore takes the first. and second. ones
      optimizer.restore(moments, optimizerSteps);
      progress.accept("warm start: going on from step " + step + ", saved in " + file);
      return new Progress(step, loss);
    } catch (ModelFormatException | RuntimeException e) {
      progress.accept("warm start: cannot go on from " + file + " (" + e.getMessage() + "): starting over");
      delete();
      return Progress.NONE;
    }
  }

  /** Removes the saved warm start (once the base it led to is saved), and a save a kill cut short. */
  void delete() {
    try {
      Files.deleteIfExists(file);
      Files.deleteIfExists(file.resolveSibling(file.getFileName() + ".tmp"));
    } catch (IOException e) {
      throw new IllegalStateException("cannot delete the warm start's checkpoint " + file + ": " + e.getMessage(), e);
    }
  }
}
