package io.swarmengine.learn;

import io.swarmengine.model.LoraAdapter;
import io.swarmengine.policy.OptimizerKind;
import io.swarmengine.scheduler.LrSchedule;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The seam between trainers and compute, after Tinker's primitives: accumulate gradients of a
 * loss over a batch, take an optimizer step, export the adapter, save and restore everything a
 * restart needs. The embedded implementation runs in the JVM; a GPU learner process speaks the
 * same protocol.
 */
public interface Learner {

  /** An episode group and its importance weight from the replay. */
  record WeightedGroup(io.swarmengine.replay.EpisodeGroup group, double weight) {}

  /** What a forward/backward pass measured; {@code cpuNanos} is the CPU time of every thread it ran on. */
  record StepMetrics(
      double loss, double meanRatio, double clipFraction, double kl, long tokens, int droppedGroups, long millis,
      long cpuNanos) {}

  /**
   * Adds the gradient of {@code loss} over {@code batch} to the accumulated gradients; only the
   * action tokens of each episode's last {@code bptt} turns get gradients (earlier turns are
   * context).
   */
  StepMetrics forwardBackward(List<WeightedGroup> batch, LossSettings loss, int bptt);

  /**
   * Clips (clip > 0) and applies the accumulated gradients, zeroes them; returns the norm before
   * clipping. A gradient norm that is not finite, or an update that would leave a weight that is
   * not, applies nothing, zeroes the gradients and throws {@link IllegalStateException}.
   */
  double optimStep(OptimizerKind optimizer, double lr, double clip, double momentum);

  /** Drops the accumulated gradients unapplied (a batch whose loss was not finite). */
  void discardGradients();

  /**
   * {@link #optimStep(OptimizerKind, double, double, double)} at the learning rate of the next step
   * of {@code schedule} (seed 002's shapes across a train segment; the schedule advances).
   */
  default double optimStep(OptimizerKind optimizer, LrSchedule schedule, double clip, double momentum) {
    return optimStep(optimizer, schedule.step(), clip, momentum);
  }

  /** A copy of the current adapter. */
  LoraAdapter exportAdapter();

  /**
   * Writes the trainable weights and the optimizer's moments into {@code dir}, tagged with
   * {@code of} (what they belong to: the trainer tags them with the adapter's sha256), over the
   * earlier state; one torn by a kill mid-write is refused by {@link #loadState}.
   */
  void saveState(Path dir, String of) throws IOException;

  /**
   * Reads what {@link #saveState} wrote, when it is tagged {@code of}: true if it was loaded, false
   * (and nothing changed) when {@code dir} holds no state or the state of something else; a
   * {@code ModelFormatException} (nothing changed) for a state that is torn or does not fit.
   */
  boolean loadState(Path dir, String of) throws IOException, io.swarmengine.model.ModelFormatException;
}
