package io.swarmengine.trainer;

import io.swarmengine.adapter.AdapterHub;
import io.swarmengine.adapter.AdapterStore;
import io.swarmengine.learn.EmbeddedLearner;
import io.swarmengine.learn.Learner;
import io.swarmengine.metrics.ComputeMeter;
import io.swarmengine.model.Gpt2;
import io.swarmengine.model.LoraAdapter;
import io.swarmengine.model.ModelFormatException;
import io.swarmengine.policy.PolicyAction;
import io.swarmengine.replay.EpisodeGroup;
import io.swarmengine.worker.AdapterModels;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The trainer's blocking half: one adapter, trained by one {@link EmbeddedLearner} per scope (they
 * share the adapter's tensors; each keeps its own optimizer moments), the step itself, and the
 * learner state saved after every step (seed 003: save after each step) so a restart goes on with
 * the same moments. Its two entry points are synchronized: a rollback's reset waits for a step in flight.
 */
final class TrainerCompute {
  private static final io.swarmengine.replay.PriorityFunction SPREAD = io.swarmengine.replay.PriorityFunction.rewardSpread(0);

  private final Gpt2 base;
  private final AdapterStore store;
  private final LoraAdapter.Settings lora;
  private final Path stateDir;
  private final TrainerSettings settings;
  private final io.swarmengine.model.ops.Parallel episodes;
  private final ComputeMeter meter;
  /** The node's models of adapter versions, handed each new adapter (null: nothing here generates). */
  private final AdapterModels models;
  private final Map<String, EmbeddedLearner> learners = new HashMap<>();
  private LoraAdapter adapter;
  private String adapterSha;

  TrainerCompute(Trainer.Compute parts, TrainerSettings settings) {
    this.base = parts.base();
    this.store = parts.store();
    this.lora = parts.lora();
    this.stateDir = parts.stateDir();
    this.settings = settings;
    this.episodes = parts.episodes();
    this.meter = parts.meter();
    this.models = parts.models();
  }

  /** Trains on from the adapter stored under {@code sha256} (null: a fresh adapter on the base). */
  synchronized void reset(String sha256) throws ModelFormatException {
    learners.clear();
    adapter = sha256 == null ? LoraAdapter.create(base.config, lora, 0x10a) : store.read(sha256, base.config);
    adapterSha = sha256;
  }

  /** What one step produced: the stored adapter, its metrics, and each sampled group's new priority. */
  record Outcome(AdapterStore.Stored stored, Map<String, Double> metrics, double[] priorities) {}

  /** One step on {@code groups} with {@code action}'s hyperparameters at learning rate {@code lr}. */
  synchronized Outcome step(List<EpisodeGroup> groups, double[] weights, PolicyAction.Train action, double lr, long position)
      throws IOException {
    EmbeddedLearner learner = learner(action);
    List<Learner.WeightedGroup> batch = new ArrayList<>(groups.size());
    double rewardSum = 0;
    long episodes = 0;
    double[] priorities = new double[groups.size()];
    for (int i = 0; i < groups.size(); i++) {
      EpisodeGroup g = groups.get(i);
      batch.add(new Learner.WeightedGroup(g, weights[i]));
      double[] rewards = g.totalRewards();
      for (double r : rewards) {
        rewardSum += r;
      }
      episodes += rewards.length;
      // Trained on: its priority falls, as a learned transition's TD error does in PER, so fresher groups come first.
      priorities[i] = SPREAD.priority(g, 0) * settings.priorityDecay();
    }
    Learner.StepMetrics m = learner.forwardBackward(batch, settings.loss(), action.bptt());
    if (!Double.isFinite(m.loss())) {
      learner.discardGradients();
      meter.add(m.cpuNanos());
      throw new IllegalStateException("the batch of the step at position " + position + " has loss " + m.loss()
          + "; the step is refused and nothing changed");
    }
    long optimStarted = ComputeMeter.threadCpuNanos();
    double gradNorm = learner.optimStep(action.optimizer(), lr, action.clip(), action.momentum());
    LoraAdapter exported = learner.exportAdapter();
    String broken = nonFiniteLogits(exported, groups.get(0));
    meter.add(m.cpuNanos());
    meter.addSince(optimStarted);
    if (broken != null) {
      try {
        reset(adapterSha); // the adapter and moments from before the step (saved with it)
      } catch (ModelFormatException e) {
        throw new IllegalStateException("the step at position " + position + " leaves the model's logits not finite, and"
            + " the adapter from before it cannot be loaded again: " + e.getMessage(), e);
      }
      throw new IllegalStateException("the step at position " + position + " leaves the model's logits not finite on "
          + broken + "; the step is refused and nothing changed (lower the lr or set clip)");
    }
    AdapterStore.Stored stored = store.put(exported);
    if (models != null) {
      models.offer(stored.sha256(), exported);
    }
    Map<String, Double> metrics = new HashMap<>();
    metrics.put("loss", m.loss());
    metrics.put("grad_norm", gradNorm);
    metrics.put("mean_ratio", m.meanRatio());
    metrics.put("clip_fraction", m.clipFraction());
    metrics.put("kl", m.kl());
    metrics.put("tokens", (double) m.tokens());
    metrics.put("groups", (double) groups.size());
    metrics.put("mean_reward", episodes == 0 ? 0 : rewardSum / episodes);
    metrics.put(AdapterHub.Version.POSITION, (double) position);
    metrics.put("lr", lr);
    metrics.put("step_ms", (double) m.millis());
    adapterSha = stored.sha256();
    saveState(learner, action);
    return new Outcome(stored, metrics, priorities);
  }

  /**
   * Weights can be finite and still overflow the activations: one forward pass of the group's first
   * episode with the new adapter (a few tokens, against the step's forward and backward of the
   * whole batch) says whether the workers could sample from it. Null when its logits are finite.
   */
  private String nonFiniteLogits(LoraAdapter candidate, EpisodeGroup group) {
    io.swarmengine.replay.Turn t = group.episodes().get(0).turns().get(0);
    int[] seq = new int[t.observation().length + t.action().length];
    System.arraycopy(t.observation(), 0, seq, 0, t.observation().length);
    System.arraycopy(t.action(), 0, seq, t.observation().length, t.action().length);
    if (seq.length == 0) {
      return null;
    }
    for (float x : base.withAdapter(candidate).forward(seq).logits) {
      if (!Float.isFinite(x)) {
        return "group " + group.id() + "'s first episode";
      }
    }
    return null;
  }

  private EmbeddedLearner learner(PolicyAction.Train action) {
    return learners.computeIfAbsent(action.scope().canonical(), scope -> {
      EmbeddedLearner l = new EmbeddedLearner(base, adapter, action.scope(), settings.weightDecay(), episodes);
      loadState(l, scope);
      return l;
    });
  }

  private Path stateDir(String scope) {
    return stateDir.resolve(scope.replaceAll("[^A-Za-z0-9_+-]", "_"));
  }

  /** Optimizer moments of a scope survive a restart when they belong to the adapter trained on. */
  private void loadState(EmbeddedLearner learner, String scope) {
    Path dir = stateDir(scope);
    try {
      if (adapterSha != null) {
        learner.loadState(dir, adapterSha);
      }
    } catch (IOException | ModelFormatException e) {
      // moments are an optimisation: a run goes on from fresh ones
      org.slf4j.LoggerFactory.getLogger(TrainerCompute.class)
          .warn("optimizer state in {} not loaded ({}); starting from fresh moments", dir, e.getMessage());
    }
  }

  /** One file per scope, written over in place and tagged with the adapter it belongs to. */
  private void saveState(EmbeddedLearner learner, PolicyAction.Train action) throws IOException {
    learner.saveState(stateDir(action.scope().canonical()), adapterSha);
  }
}
