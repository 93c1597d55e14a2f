package io.swarmengine.trainer;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.DispatcherSelector;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.pubsub.Topic;
import io.swarmengine.CborSerializable;
import io.swarmengine.adapter.AdapterHub;
import io.swarmengine.adapter.AdapterStore;
import io.swarmengine.concurrent.Asks;
import io.swarmengine.concurrent.Failures;
import io.swarmengine.metrics.ComputeMeter;
import io.swarmengine.model.Gpt2;
import io.swarmengine.model.LoraAdapter;
import io.swarmengine.model.ops.Parallel;
import io.swarmengine.policy.CompiledPolicy;
import io.swarmengine.policy.PolicyAction;
import io.swarmengine.replay.Replay;
import io.swarmengine.worker.AdapterModels;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Takes the training steps the schedule calls for. On a {@link TrainRequest} it samples a batch
 * from the replay (within the staleness bound), runs the learner step with the request's scope,
 * optimizer, lr, clip and bptt on the blocking dispatcher, sends the sampled groups' new priorities
 * back and publishes the new adapter to the hub. The next step samples and computes while the hub
 * journals the last one (publishes go one at a time, in step order, each with its parent), so the
 * learner does not wait for the journal. Requests that arrive while a step runs are coalesced:
 * only the newest waits, the others are counted. A rollback announced on the adapter topic makes
 * it train on from the version rolled back to; a step in flight then is discarded, and the newest
 * request it was ever sent is stepped for again on the rolled-back line (the workers wait for a
 * version trained at or past their positions, and every step since is bad). A step whose
 * loss, gradient or update is not finite is refused (nothing changes, nothing is published); after
 * {@code max-failed-steps} such failures in a row the trainer stops, and the engine ends the run.
 */
public final class Trainer extends AbstractBehavior<Trainer.Command> {

  // ---- protocol ----

  public interface Command extends CborSerializable {}

  /** Position {@code position} of the run calls for a step with {@code action}'s hyperparameters. */
  public record TrainRequest(long position, PolicyAction.Train action) implements Command {}

  public record GetStatus(ActorRef<Status> replyTo) implements Command {}

  /** Takes no more requests and answers once no step is in flight: what a graceful stop waits for. */
  public record Drain(ActorRef<Drained> replyTo) implements Command {}

  /** No step in flight; {@code steps} published in all. */
  public record Drained(long steps) implements CborSerializable {}

  /** Steps published, requests coalesced or dropped, failed steps, and the version trained on. */
  public record Status(long steps, long coalesced, long dropped, long failed, long version, boolean busy)
      implements CborSerializable {}

  /**
   * Published on {@link #SKIPS_TOPIC} when the step a position asked for will publish no version
   * (no batch, or refused): workers waiting for it go on at once instead of after throttle-timeout.
   */
  public record StepSkipped(long position) implements CborSerializable {}

  public static final String SKIPS_TOPIC = "swarm-skipped-steps";

  private record VersionAnnounced(AdapterHub.AdapterPublished published) implements Command {}

  private record StartFrom(AdapterHub.Versions versions, Throwable failure) implements Command {}

  private record Reset(long version, long generation, Throwable failure) implements Command {}

  /** An adapter version to reset the learner to (null: the base model). */
  private record ResetTarget(AdapterHub.Version version) {}

  private record Sampled(TrainRequest request, long generation, Replay.SampleReply reply, Throwable failure) implements Command {}

  private record Stepped(TrainRequest request, long generation, TrainerCompute.Outcome outcome, java.util.List<io.swarmengine.replay.SampleKey> keys, Throwable failure)
      implements Command {}

  private record PublishAnswered(long generation, AdapterHub.PublishReply reply, Throwable failure) implements Command {}

  private record PrioritiesAnswered(Replay.UpdateReply reply, Throwable failure) implements Command {}

  // ---- behavior ----

  private static final Duration ASK = Duration.ofSeconds(30);

  private final TrainerCompute compute;
  private final TrainerSettings settings;
  private final LearningRates rates;
  private final ActorRef<Replay.Command> replay;
  private final ActorRef<AdapterHub.Command> hub;
  private final Executor blocking;
  private long version = -1; // -1: not loaded yet
  private long generation;
  /** Loading an adapter, or a step sampling or computing. */
  private boolean busy;
  /** A publish the hub has not answered yet. */
  private boolean publishing;
  /** A step computed while the previous one was still publishing: it publishes next, on that one's version. */
  private Stepped unpublished;
  private TrainRequest waiting;
  /** A step or an adapter reset running on the blocking dispatcher: the learner is in use. */
  private boolean computing;
  /** Where a rollback that came while the learner was in use resets it once it is free. */
  private ResetTarget pendingReset;
  /** The newest position any request was for: after a rollback the trainer steps for it again. */
  private TrainRequest newestAsked;
  private final java.util.List<ActorRef<Drained>> draining = new java.util.ArrayList<>();
  private long steps;
  private long coalesced;
  private long dropped;
  private long failed;
  private int failuresInARow;
  private final ActorRef<Topic.Command<StepSkipped>> skips;

  private Trainer(ActorContext<Command> context, TrainerCompute compute, TrainerSettings settings, LearningRates rates,
      ActorRef<Replay.Command> replay, ActorRef<AdapterHub.Command> hub,
      ActorRef<Topic.Command<AdapterHub.AdapterPublished>> topic, ActorRef<Topic.Command<StepSkipped>> skips) {
    super(context);
    this.skips = skips;
    this.compute = compute;
    this.settings = settings;
    this.rates = rates;
    this.replay = replay;
    this.hub = hub;
    this.blocking = context.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig("swarm.blocking-dispatcher"));
    topic.tell(Topic.subscribe(context.messageAdapter(AdapterHub.AdapterPublished.class, VersionAnnounced::new)));
    busy = true; // until the newest good adapter is loaded
    Asks.ask(context, AdapterHub.Versions.class, hub, ASK, AdapterHub.GetVersions::new, StartFrom::new);
  }

  /**
   * What a trainer computes with: the base model, the store its adapters go to, the LoRA shape,
   * the folder of its optimizer state, the threads a step's episodes are split across, the meter
   * of its compute, and its node's models of adapter versions (handed each new adapter; null where
   * nothing on the node generates).
   */
  public record Compute(Gpt2 base, AdapterStore store, LoraAdapter.Settings lora, Path stateDir, Parallel episodes,
      ComputeMeter meter, AdapterModels models) {}

  /**
   * A trainer that steps with {@code compute}, its learning rates shaped across the train segments
   * of {@code schedule}, sampling from {@code replay} and publishing to {@code hub}.
   */
  public static Behavior<Command> create(Compute parts, TrainerSettings settings, CompiledPolicy schedule,
      ActorRef<Replay.Command> replay, ActorRef<AdapterHub.Command> hub,
      ActorRef<Topic.Command<AdapterHub.AdapterPublished>> topic, ActorRef<Topic.Command<StepSkipped>> skips) {
    TrainerCompute compute = new TrainerCompute(parts, settings);
    LearningRates rates = new LearningRates(settings.lrSchedule(), settings.minLrFraction(), schedule);
    return Behaviors.setup(context -> new Trainer(context, compute, settings, rates, replay, hub, topic, skips));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(TrainRequest.class, this::onTrainRequest)
        .onMessage(GetStatus.class, this::onGetStatus)
        .onMessage(Drain.class, this::onDrain)
        .onMessage(StartFrom.class, this::onStartFrom)
        .onMessage(VersionAnnounced.class, this::onVersionAnnounced)
        .onMessage(Reset.class, this::onReset)
        .onMessage(Sampled.class, this::onSampled)
        .onMessage(Stepped.class, this::onStepped)
        .onMessage(PublishAnswered.class, this::onPublishAnswered)
        .onMessage(PrioritiesAnswered.class, this::onPrioritiesAnswered)
        .build();
  }

  private Behavior<Command> onGetStatus(GetStatus get) {
    get.replyTo().tell(new Status(steps, coalesced, dropped, failed, Math.max(0, version), busy || publishing));
    return this;
  }

  private Behavior<Command> onStartFrom(StartFrom start) {
    if (start.failure() != null) {
      getContext().getLog().warn("the adapter hub did not answer ({}); asking again", start.failure().getMessage());
      Asks.ask(getContext(), AdapterHub.Versions.class, hub, ASK, AdapterHub.GetVersions::new, StartFrom::new);
      return this;
    }
    resetTo(start.versions().newestGood());
    return this;
  }

  private Behavior<Command> onVersionAnnounced(VersionAnnounced announced) {
    AdapterHub.Version v = announced.published().version();
    long number = v == null ? 0 : v.number();
    if (announced.published().rollback() && version >= 0 && number < version) {
      getContext().getLog().info("rollback to version {}: training goes on from it", number);
      generation++; // a step in flight belongs to the rolled-back line: it will not be published
      busy = true;
      unpublished = null;
      // the workers wait for a version trained at or past the positions they played, and every step
      // since v is now bad: the newest request is asked for again, on the line from v
      if (newestAsked != null && draining.isEmpty()) {
        waiting = newest(waiting, newestAsked);
      }
      resetTo(v);
    }
    return this;
  }

  /** Loads {@code v} into the learner, once no step or earlier reset uses it (they share its state). */
  private void resetTo(AdapterHub.Version v) {
    if (computing) {
      pendingReset = new ResetTarget(v);
      return;
    }
    computing = true;
    long number = v == null ? 0 : v.number();
    long gen = generation;
    getContext().pipeToSelf(
        CompletableFuture.runAsync(() -> {
          try {
            compute.reset(v == null ? null : v.sha256());
          } catch (io.swarmengine.model.ModelFormatException e) {
            throw new java.util.concurrent.CompletionException(e);
          }
        }, blocking),
        (ok, failure) -> new Reset(number, gen, failure));
  }

  /** The learner is free again: a reset a rollback asked for meanwhile goes first. */
  private boolean resetPending() {
    computing = false;
    if (pendingReset == null) {
      return false;
    }
    ResetTarget target = pendingReset;
    pendingReset = null;
    resetTo(target.version());
    return true;
  }

  private Behavior<Command> onReset(Reset reset) {
    if (resetPending() || reset.generation() != generation) {
      return this;
    }
    if (reset.failure() != null) {
      getContext().getLog().error("cannot load adapter version {} to train on: {}", reset.version(), Failures.cause(reset.failure()).getMessage());
      return Behaviors.stopped();
    }
    version = reset.version();
    busy = false;
    getContext().getLog().info("trainer ready on adapter version {}", version);
    return next();
  }

  private Behavior<Command> onDrain(Drain drain) {
    draining.add(drain.replyTo());
    waiting = null;
    return next();
  }

  private Behavior<Command> onTrainRequest(TrainRequest request) {
    if (!draining.isEmpty()) {
      dropped++;
      return this;
    }
    newestAsked = newest(newestAsked, request);
    if (busy) {
      if (waiting != null) {
        coalesced++;
      }
      waiting = newest(waiting, request);
      return this;
    }
    start(request);
    return this;
  }

  /**
   * The request that stands for both when one arrives while another waits: the newer position's.
   * Requests from several workers arrive out of order, and workers wait for a step published at or
   * past the positions they have played; keeping an older one would leave them waiting.
   */
  static TrainRequest newest(TrainRequest waiting, TrainRequest request) {
    return waiting == null || request.position() > waiting.position() ? request : waiting;
  }

  /** Samples for {@code request}. */
  private void start(TrainRequest request) {
    busy = true;
    long gen = generation;
    long timeout = settings.sampleTimeout().toMillis();
    Asks.ask(getContext(), Replay.SampleReply.class, replay, Duration.ofMillis(timeout).plus(ASK),
        replyTo -> new Replay.Sample(settings.batchGroups(), null, settings.maxLag(), timeout, replyTo),
        (reply, failure) -> new Sampled(request, gen, reply, failure));
  }

  private Behavior<Command> onSampled(Sampled sampled) {
    if (sampled.generation() != generation) {
      return this; // rolled back while sampling: the adapter is being reset, the request waits again
    }
    if (sampled.failure() != null || sampled.reply() instanceof Replay.SampleRefused) {
      String why = sampled.failure() != null ? sampled.failure().getMessage() : ((Replay.SampleRefused) sampled.reply()).reason();
      getContext().getLog().warn("no batch for the step at position {}: {}", sampled.request().position(), why);
      skipped(sampled.request());
      dropped++;
      busy = false;
      return next();
    }
    Replay.SampledBatch batch = (Replay.SampledBatch) sampled.reply();
    if (batch.items().isEmpty()) {
      skipped(sampled.request());
      dropped++;
      busy = false;
      return next();
    }
    TrainRequest request = sampled.request();
    long gen = generation;
    computing = true;
    getContext().pipeToSelf(
        CompletableFuture.supplyAsync(() -> {
          try {
            double lr = rates.at(request.position(), request.action());
            return compute.step(batch.items(), batch.weights(), request.action(), lr, request.position());
          } catch (java.io.IOException e) {
            throw new java.util.concurrent.CompletionException(e);
          }
        }, blocking),
        (outcome, failure) -> new Stepped(request, gen, outcome, batch.keys(), failure));
    return this;
  }

  private Behavior<Command> onStepped(Stepped stepped) {
    if (resetPending() || stepped.generation() != generation) {
      return this; // rolled back meanwhile; the reset clears busy
    }
    if (stepped.failure() != null) {
      failed++;
      failuresInARow++;
      String why = Failures.cause(stepped.failure()).getMessage();
      if (settings.maxFailedSteps() > 0 && failuresInARow >= settings.maxFailedSteps()) {
        // the same batch sizes and lr on the same adapter fail the same way: nothing would ever be published
        getContext().getLog().error("stopping (swarm.trainer.max-failed-steps): the last {} training steps failed, the last at position {}: {}",
            failuresInARow, stepped.request().position(), why);
        return Behaviors.stopped();
      }
      getContext().getLog().error("training step at position {} failed: {}", stepped.request().position(), why);
      skipped(stepped.request());
      busy = false;
      return next();
    }
    failuresInARow = 0;
    busy = false;
    // sent before the next step's sample, so that draw sees the new priorities
    Asks.ask(getContext(), Replay.UpdateReply.class, replay, ASK,
        replyTo -> new Replay.UpdatePriorities(stepped.keys(), stepped.outcome().priorities(), replyTo),
        PrioritiesAnswered::new);
    if (publishing) {
      unpublished = stepped;
    } else {
      publish(stepped);
    }
    return next();
  }

  private void skipped(TrainRequest request) {
    skips.tell(Topic.publish(new StepSkipped(request.position())));
  }

  private void publish(Stepped stepped) {
    publishing = true;
    TrainerCompute.Outcome outcome = stepped.outcome();
    long gen = generation;
    long parent = version;
    Asks.ask(getContext(), AdapterHub.PublishReply.class, hub, ASK,
        replyTo -> new AdapterHub.Publish(outcome.stored().sha256(), outcome.stored().sizeBytes(), parent, outcome.metrics(), replyTo),
        (reply, failure) -> new PublishAnswered(gen, reply, failure));
  }

  private Behavior<Command> onPublishAnswered(PublishAnswered answered) {
    publishing = false;
    if (answered.generation() == generation) {
      if (answered.failure() != null || answered.reply() instanceof AdapterHub.PublishRefused) {
        failed++;
        String why = answered.failure() != null ? answered.failure().getMessage() : ((AdapterHub.PublishRefused) answered.reply()).reason();
        getContext().getLog().error("the hub did not take the new adapter: {}", why);
      } else {
        AdapterHub.Version v = ((AdapterHub.Published) answered.reply()).version();
        version = v.number();
        steps++;
        getContext().getLog().debug("version {} from the step at position {}: loss {}, grad norm {}, mean ratio {}, clip fraction {}, batch reward {}",
            v.number(), v.trainedPosition(), v.metrics().get("loss"), v.metrics().get("grad_norm"),
            v.metrics().get("mean_ratio"), v.metrics().get("clip_fraction"), v.metrics().get("mean_reward"));
      }
    }
    if (unpublished != null) {
      Stepped next = unpublished;
      unpublished = null;
      publish(next);
    }
    return next();
  }

  private Behavior<Command> onPrioritiesAnswered(PrioritiesAnswered answered) {
    if (answered.failure() != null || answered.reply() instanceof Replay.UpdateRejected) {
      getContext().getLog().warn("priority update not applied: {}",
          answered.failure() != null ? answered.failure().getMessage() : ((Replay.UpdateRejected) answered.reply()).reason());
    }
    return this;
  }

  private Behavior<Command> next() {
    if (!busy && !publishing && !draining.isEmpty()) {
      draining.forEach(replyTo -> replyTo.tell(new Drained(steps)));
      draining.clear();
      return this;
    }
    if (!busy && waiting != null) {
      TrainRequest request = waiting;
      waiting = null;
      start(request);
    }
    return this;
  }
}
