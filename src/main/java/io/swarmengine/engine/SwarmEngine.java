package io.swarmengine.engine;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.Props;
import akka.actor.typed.SpawnProtocol;
import akka.actor.typed.javadsl.AskPattern;
import akka.actor.typed.pubsub.Topic;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import io.swarmengine.adapter.AdapterHub;
import io.swarmengine.adapter.AdapterStore;
import io.swarmengine.concurrent.Asks;
import io.swarmengine.cursor.PolicyCursor;
import io.swarmengine.metrics.ComputeMeter;
import io.swarmengine.model.ByteTokenizer;
import io.swarmengine.model.Gpt2;
import io.swarmengine.model.ops.Parallel;
import io.swarmengine.persistence.JournalSchema;
import io.swarmengine.policy.CompiledPolicy;
import io.swarmengine.policy.PolicyAction;
import io.swarmengine.policy.PolicyException;
import io.swarmengine.replay.EpisodeGroup;
import io.swarmengine.replay.Replay;
import io.swarmengine.trainer.Trainer;
import io.swarmengine.worker.AdapterModels;
import io.swarmengine.worker.MeteredRollouts;
import io.swarmengine.worker.ModelRollouts;
import io.swarmengine.worker.NullRollouts;
import io.swarmengine.worker.Rollouts;
import io.swarmengine.worker.WorkerAgent;
import io.swarmengine.worker.WorkerListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one facade an embedding JVM application needs. {@link #start} opens (or resumes) the run in
 * the configured data folder: the journal, the base model (warm-started when there is none), the
 * cursor, replay, adapter hub, trainer and the built-in workers ({@code swarm.workers.count}, 0 for
 * none). The application gets a {@link #policy()} that always generates with the newest good
 * adapter, {@link #record records} its own episode groups (the stage completes once they are
 * durable), listens to adapter versions, reads {@link #status()}, and closes the engine.
 *
 * <p>About once per {@code swarm.metrics.interval} the engine writes {@code DIR/status.json} and
 * {@code DIR/metrics.csv}; {@link #close()} adds {@code DIR/report.html}.
 */
public final class SwarmEngine implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SwarmEngine.class);
  private static final Duration ASK = Duration.ofSeconds(30);
  private static final ObjectMapper JSON = RunInspection.JSON;

  private final EngineSettings settings;
  private final Config config;
  private final RunLock lock;
  private final ActorSystem<SpawnProtocol.Command> system;
  private final ActorRef<PolicyCursor.Command> cursor;
  private final ActorRef<Replay.Command> replay;
  private final ActorRef<AdapterHub.Command> hub;
  private final ActorRef<Topic.Command<AdapterHub.AdapterPublished>> topic;
  private final ActorRef<Trainer.Command> trainer;
  private final List<ActorRef<WorkerAgent.Command>> workers;
  private final Policy policy;
  private final RunMetrics metrics;
  private final ComputeMeter meter;
  private final CopyOnWriteArrayList<Consumer<AdapterHub.Version>> versionListeners = new CopyOnWriteArrayList<>();
  /** Whether the application's policy follows the hub yet (it starts on first use). */
  private boolean following;
  /** Every metrics row of the run: an earlier session's (read back on resume), then this one's. */
  private final List<MetricsRow> rows = new ArrayList<>();
  /** The earlier sessions' last row: this session's elapsed time and episodes continue from it. */
  private final MetricsRow resumedFrom;
  private final ScheduledExecutorService ticker;
  private final Consumer<String> progress;
  private volatile boolean closed;
  /** Completes when the built-in workers are done, exceptionally when a part the run needs stops. */
  private final CompletableFuture<Void> finished = new CompletableFuture<>();
  /** The part whose stop ended the run (null: none stopped): close() does not wait for it. */
  private volatile String stoppedPart;
  /** The trainer's last answer, for status once it has stopped. */
  private volatile Trainer.Status lastTrainerStatus;
  /** Rewards and successes of the last tick's window (what status() reports). */
  private volatile RunMetrics.Window lastWindow = new RunMetrics.Window(Double.NaN, Double.NaN, 0, 0);

  /** Starts the run {@code config} describes (see {@link io.swarmengine.persistence.SwarmConfig#load}); progress goes to the log. */
  public static SwarmEngine start(Config config) {
    return start(config, LOG::info, WorkerListener.NONE);
  }

  /**
   * Starts the run, reporting warm-start and live progress lines to {@code progress} and worker
   * events to {@code listener} too (tests, tools).
   *
   * @throws IllegalStateException when another engine holds the data folder, or the run cannot start
   */
  public static SwarmEngine start(Config config, Consumer<String> progress, WorkerListener listener) {
    EngineSettings settings = EngineSettings.from(config);
    RunLock lock = RunLock.acquire(settings.dataDir());
    try {
      return new SwarmEngine(config, settings, lock, progress, listener);
    } catch (RuntimeException e) {
      lock.release();
      throw e;
    }
  }

  private SwarmEngine(Config config, EngineSettings settings, RunLock lock, Consumer<String> progress, WorkerListener listener) {
    this.config = config;
    this.settings = settings;
    this.lock = lock;
    this.progress = progress;
    boolean needsModel = !settings.nullPolicy() || settings.trainerEnabled();
    Gpt2 workerBase = needsModel ? BaseModel.prepare(settings, progress) : null;
    AdapterStore store = new AdapterStore(settings.dataDir());
    // the last session's built-in workers, from the run.conf it wrote (read before this one's)
    int workersBefore = RunInspection.configOf(settings.dataDir()).getInt("swarm.workers.count");
    writeRunFile();
    LiveRequests.clearStale(settings.dataDir());
    rows.addAll(previousRows(settings.dataDir().resolve("metrics.csv")));
    resumedFrom = rows.isEmpty() ? null : rows.get(rows.size() - 1);
    // from here on: the warm start's time and CPU are not the loop's
    metrics = new RunMetrics(settings.task(), settings.workers());
    meter = new ComputeMeter();
    // close() is the graceful stop (final status and report first); Akka's own JVM hook would race it
    system = ActorSystem.create(SpawnProtocol.create(), "swarm",
        com.typesafe.config.ConfigFactory.parseString("akka.coordinated-shutdown.run-by-jvm-shutdown-hook = off").withFallback(config));
    try {
      JournalSchema.ensure(system, Duration.ofSeconds(30));
      topic = spawn(Topic.create(AdapterHub.AdapterPublished.class, AdapterHub.TOPIC), "adapter-topic");
      ActorRef<Topic.Command<Trainer.StepSkipped>> skips =
          spawn(Topic.create(Trainer.StepSkipped.class, Trainer.SKIPS_TOPIC), "skipped-steps-topic");
      hub = spawn(AdapterHub.create(config.getString("swarm.adapters.persistence-id"), store, topic, Clock.systemUTC(),
          settings.keepVersions()), "adapter-hub");
      AdapterModels models = workerBase == null ? null : new AdapterModels(workerBase, store);
      if (models != null) {
        requireNewestAdapterReadable(models);
      }
      replay = spawn(Replay.batched(settings.replay(), settings.seed()), "replay");
      cursor = spawn(cursorBehavior(settings), "policy-cursor");
      trainer = settings.trainerEnabled()
          ? spawn(Trainer.create(new Trainer.Compute(BaseModel.load(settings, Parallel.sequential()), store, settings.lora(),
              settings.dataDir().resolve("trainer"), new Parallel(new ForkJoinPool(settings.trainerThreads())), meter, models),
              settings.trainer(), settings.compiled(), replay, hub, topic, skips), "trainer")
          : null;
      policy = models == null ? null
          : new Policy(new ByteTokenizer(), settings.rollout(), models, settings.seed() ^ 0x706f6c6963L, meter);
      expireLeasesFromBefore(Math.max(workersBefore, settings.workers()));
      if (trainer != null) {
        askForAStepTheStopDropped(settings.compiled());
      }
      Rollouts rollouts = settings.nullPolicy()
          ? new NullRollouts(settings.rollout().groupSize()) // no model compute to count
          : new MeteredRollouts(new ModelRollouts(new ByteTokenizer(), settings.rollout()), meter);
      WorkerListener both = new BothListeners(metrics, listener);
      workers = new ArrayList<>();
      for (int i = 0; i < settings.workers(); i++) {
        WorkerAgent.Parts parts = new WorkerAgent.Parts(cursor, replay, hub, topic, skips, trainer, settings.compiled(),
            settings.task(), rollouts, settings.nullPolicy() ? null : models, Clock.systemUTC());
        workers.add(spawn(WorkerAgent.create(workerId(i), parts, settings.worker(), both), workerId(i)));
      }
      watchParts();
    } catch (RuntimeException e) {
      system.terminate();
      throw e;
    }
    ticker = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "swarm-metrics");
      t.setDaemon(true);
      return t;
    });
    long every = Math.max(50, settings.metricsInterval().toMillis());
    ticker.scheduleAtFixedRate(this::tick, every, every, TimeUnit.MILLISECONDS);
    // `swarm adapter rollback` and `list` on the live run: their requests are taken within an interval
    LiveRequests.Handler commands = new LiveRequests.Handler() {
      @Override
      public CompletionStage<AdapterHub.RollbackReply> rollback(long to) {
        return rollbackAsked(to);
      }

      @Override
      public CompletionStage<AdapterHub.Versions> versions() {
        return SwarmEngine.this.versions();
      }
    };
    ticker.scheduleWithFixedDelay(() -> {
      try {
        LiveRequests.serve(settings.dataDir(), Clock.systemUTC(), commands);
      } catch (RuntimeException e) { // a task that throws is never run again: keep serving
        LOG.warn("serving the command line's requests failed: {}", e.toString());
      }
    }, every, every, TimeUnit.MILLISECONDS);
  }

  /**
   * The newest good version is what the trainer trains on and every worker plays: a folder whose
   * files for it are gone or damaged (moved, half copied, edited) cannot go on as it is. Said at the
   * start, with the newest version it can go back to, rather than by a trainer that stops and
   * workers that refuse it. The adapter checked here is handed to the node's models, so the
   * workers' first load does not read and hash its files again.
   */
  private void requireNewestAdapterReadable(AdapterModels models) {
    AdapterStore store = models.store();
    io.swarmengine.model.GptConfig model = models.base().config;
    AdapterHub.Versions versions;
    try {
      versions = ask(hub, AdapterHub.GetVersions::new).get(ASK.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("the adapter hub did not recover: " + e, e);
    }
    AdapterHub.Version newest = versions.newestGood();
    if (newest == null) {
      return; // the base model
    }
    String problem;
    try {
      models.offer(newest.sha256(), store.read(newest.sha256(), model));
      return;
    } catch (io.swarmengine.model.ModelFormatException e) {
      problem = e.getMessage();
    }
    long back = 0;
    for (int i = versions.all().size() - 1; i >= 0 && back == 0; i--) {
      AdapterHub.Version v = versions.all().get(i);
      if (v.good() && v.number() < newest.number() && unreadable(store, v, model) == null) {
        back = v.number();
      }
    }
    throw new IllegalStateException("adapter version " + newest.number() + ", the run's newest good one, cannot be loaded: "
        + problem + ". Put its files back, or go back to version " + back + (back == 0 ? " (the base model)" : "")
        + " with: swarm adapter rollback --data " + settings.dataDir() + " --to " + back);
  }

  /** Why {@code version}'s files cannot be loaded, or null when they can. */
  private static String unreadable(AdapterStore store, AdapterHub.Version version, io.swarmengine.model.GptConfig model) {
    try {
      store.read(version.sha256(), model);
      return null;
    } catch (io.swarmengine.model.ModelFormatException e) {
      return e.getMessage();
    }
  }

  /** Ends {@link #finished()} with a {@link PartStoppedException} when a part of the run stops before close. */
  private void watchParts() {
    Map<String, ActorRef<?>> parts = new LinkedHashMap<>();
    parts.put("policy cursor", cursor);
    parts.put("replay", replay);
    parts.put("adapter hub", hub);
    if (trainer != null) {
      parts.put("trainer", trainer);
    }
    for (int i = 0; i < workers.size(); i++) {
      parts.put(workerId(i), workers.get(i));
    }
    spawn(PartsWatch.create(parts, this::partStopped), "parts-watch");
    metrics.allFinished().thenRun(() -> finished.complete(null));
  }

  private void partStopped(String part) {
    if (closed) {
      return; // the actor system is stopping them
    }
    stoppedPart = part;
    PartStoppedException e = new PartStoppedException(part);
    LOG.error(e.getMessage());
    finished.completeExceptionally(e);
  }

  /** A part of the engine that the run needs stopped while the run went on; close() the engine. */
  public static final class PartStoppedException extends IllegalStateException {
    private final String part;

    PartStoppedException(String part) {
      super((part.startsWith("worker-") ? part : "the " + part) + " stopped, so the run cannot go on (the error before this in the log says why); "
          + "the data folder keeps everything acknowledged");
      this.part = part;
    }

    /** "policy cursor", "replay", "adapter hub", "trainer" or a built-in worker's id ("worker-0"). */
    public String part() {
      return part;
    }
  }

  /**
   * The built-in workers' ids are the same in every session on a folder, and this engine holds its
   * lock: leases they held before a stop or a kill died with them, including those of workers this
   * session does not have (fewer {@code --workers}). They expire now rather than after
   * {@code lease-timeout}, so the resumed workers play those positions first.
   */
  private void expireLeasesFromBefore(int workerCount) {
    if (workerCount == 0) {
      return;
    }
    List<String> ids = new ArrayList<>(workerCount);
    for (int i = 0; i < workerCount; i++) {
      ids.add(workerId(i));
    }
    try {
      this.<PolicyCursor.Command, PolicyCursor.LeasesExpired>ask(cursor, replyTo -> new PolicyCursor.ExpireLeases(ids, replyTo))
          .get(ASK.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      LOG.warn("the leases from before the restart were not expired (they expire after lease-timeout): {}", e.toString());
    }
  }

  private static String workerId(int i) {
    return "worker-" + i;
  }

  /**
   * A stop drops the training requests still waiting, and the positions that asked for them are
   * done, so no worker asks again: resumed workers would wait ({@code throttle-timeout}) for steps
   * nobody asked for. The newest position below the first incomplete one that calls for a step asks
   * for it again when no published version was trained at or past it.
   */
  private void askForAStepTheStopDropped(CompiledPolicy schedule) {
    try {
      PolicyCursor.Progress progress =
          ask(cursor, PolicyCursor.GetProgress::new).get(ASK.toMillis(), TimeUnit.MILLISECONDS);
      AdapterHub.Versions versions = ask(hub, AdapterHub.GetVersions::new).get(ASK.toMillis(), TimeUnit.MILLISECONDS);
      long last = schedule.lastStepBefore(versions.newestTrainedPosition() + 1, progress.firstIncomplete());
      if (last >= 0) {
        LOG.info("asking again for the step of position {} (done before the stop, not trained)", last);
        trainer.tell(new Trainer.TrainRequest(last, (PolicyAction.Train) schedule.actionAt(last)));
      }
    } catch (Exception e) {
      LOG.warn("could not check for a training step the stop dropped: {}", e.toString());
    }
  }

  private static Behavior<PolicyCursor.Command> cursorBehavior(EngineSettings settings) {
    try {
      return PolicyCursor.batched(settings.schedule(), settings.positions(), settings.cursor(), Clock.systemUTC());
    } catch (PolicyException e) {
      throw new IllegalStateException("swarm.schedule: " + e.getMessage(), e); // compiled once already in EngineSettings
    }
  }

  private <T> ActorRef<T> spawn(Behavior<T> behavior, String name) {
    try {
      return AskPattern.<SpawnProtocol.Command, ActorRef<T>>ask(system,
              replyTo -> new SpawnProtocol.Spawn<>(behavior, name, Props.empty(), replyTo), ASK, system.scheduler())
          .toCompletableFuture()
          .get(ASK.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("cannot start " + name + ": " + e.getMessage(), e);
    }
  }

  // ---- the application's side ----

  /**
   * The policy that generates with the newest good adapter. It follows the hub from this first
   * call on (a run whose only agents are the built-in workers loads no version twice); until its
   * first version has loaded it generates with the base model.
   */
  public Policy policy() {
    if (policy == null) {
      throw new IllegalStateException("this engine runs without a model (null policy and no trainer): it has no policy");
    }
    follow();
    return policy;
  }

  private synchronized void follow() {
    if (policy != null && !following) {
      following = true;
      spawn(VersionFollower.create(policy, versionListeners, hub, topic), "policy-follower");
    }
  }

  /**
   * Records episode groups the application's agents produced; completes once they are durable
   * (with the replay's verdict per group). Positions are the application's to number: where the
   * schedule says a position trains, its group also asks the trainer for a step.
   */
  public CompletionStage<Replay.InsertResult> record(List<EpisodeGroup> groups) {
    return Asks.<Replay.Command, Replay.InsertResult>ask(replay, replyTo -> new Replay.Insert(groups, replyTo), ASK,
            system.scheduler())
        .thenApply(result -> {
          Set<String> accepted = new HashSet<>(result.accepted());
          List<EpisodeGroup> durable = new ArrayList<>();
          for (EpisodeGroup g : groups) {
            if (accepted.contains(g.id())) {
              durable.add(g);
              if (trainer != null && settings.compiled().trainsAt(g.position())) {
                trainer.tell(new Trainer.TrainRequest(g.position(), (PolicyAction.Train) settings.compiled().actionAt(g.position())));
              }
            }
          }
          metrics.recorded("application", durable);
          return result;
        });
  }

  /**
   * Calls {@code listener} with each adapter version the policy moves to (null: back to the base
   * model); the policy starts following the hub if it did not yet. Versions published faster than
   * the policy loads them are skipped to the newest.
   */
  public void onVersion(Consumer<AdapterHub.Version> listener) {
    versionListeners.add(listener);
    follow();
  }

  /**
   * Completes when every built-in worker has found the run's positions all completed; never in a
   * run without built-in workers, whose end is the application's to decide. Completes exceptionally
   * with a {@link PartStoppedException} when the cursor, replay, adapter hub, trainer or a built-in
   * worker stops before {@link #close()}: the run cannot go on, and the application should close
   * the engine.
   */
  public CompletableFuture<Void> finished() {
    return finished;
  }

  public RunMetrics metrics() {
    return metrics;
  }

  public EngineSettings settings() {
    return settings;
  }

  /**
   * Marks every adapter version after {@code to} bad (0: back to the base model); the trainer trains
   * on from {@code to} and every worker, and the {@link #policy()}, return to it. Refused (not
   * failed) when {@code to} is unknown, pruned, itself bad, or its files no longer match its sha256.
   * {@code swarm adapter rollback} on a live run's folder comes here.
   */
  public CompletionStage<AdapterHub.RollbackReply> rollback(long to) {
    return ask(hub, replyTo -> new AdapterHub.Rollback(to, replyTo));
  }

  /**
   * The adapter versions the hub keeps (oldest first, each with its parent, sha256, the step's
   * metrics and whether it is good), the newest good one, and how many were ever published.
   * {@code swarm adapter list} on a live run's folder comes here.
   */
  public CompletionStage<AdapterHub.Versions> versions() {
    return ask(hub, AdapterHub.GetVersions::new);
  }

  /** A rollback {@code swarm adapter rollback} asked for: done as {@link #rollback}, and shown with the progress. */
  private CompletionStage<AdapterHub.RollbackReply> rollbackAsked(long to) {
    return rollback(to).whenComplete((reply, failure) -> {
      if (reply instanceof AdapterHub.RolledBack rolled) {
        progress.accept("rolled back to " + (to == 0 ? "the base model" : "version " + to)
            + " (swarm adapter rollback): " + rolled.markedBad().size() + " newer versions marked bad");
      } else if (reply instanceof AdapterHub.RollbackRefused refused) {
        progress.accept("refused swarm adapter rollback to version " + to + ": " + refused.reason());
      }
    });
  }

  /** The run's actors, for tools and tests: the adapter hub (publish, rollback, versions). */
  public ActorRef<AdapterHub.Command> adapterHub() {
    return hub;
  }

  public List<ActorRef<WorkerAgent.Command>> workers() {
    return List.copyOf(workers);
  }

  public ActorRef<Replay.Command> replay() {
    return replay;
  }

  public ActorSystem<?> system() {
    return system;
  }

  /** The metrics rows so far (one per tick). */
  public synchronized List<MetricsRow> rows() {
    return List.copyOf(rows);
  }

  /** The run now: cursor progress, adapter version, replay size, acknowledged groups, rewards, reloads. */
  public CompletionStage<EngineStatus> status() {
    CompletableFuture<PolicyCursor.Progress> progress = ask(cursor, PolicyCursor.GetProgress::new);
    CompletableFuture<Replay.Stats> stats = ask(replay, Replay.GetStats::new);
    CompletableFuture<AdapterHub.Versions> versions = ask(hub, AdapterHub.GetVersions::new);
    CompletableFuture<Trainer.Status> trained = trainer == null
        ? CompletableFuture.completedFuture(null) : this.<Trainer.Command, Trainer.Status>ask(trainer, Trainer.GetStatus::new)
            .handle(this::trainerStatusOrLast);
    RunMetrics.Window window = lastWindow;
    return CompletableFuture.allOf(progress, stats, versions, trained).thenApply(ignored -> {
      PolicyCursor.Progress p = progress.join();
      Replay.Stats s = stats.join();
      AdapterHub.Versions v = versions.join();
      Trainer.Status t = trained.join();
      ComputeMeter.CpuShares cpu = meter.recent();
      return new EngineStatus(p.nextPosition(), p.completedPositions(), p.total(), p.finished(),
          v.newestGood() == null ? 0 : v.newestGood().number(), v.published(), s.size(), s.inserts(), (Long) window.episodes(),
          finite(window.meanReward()), finite(window.successRate()), finite(metrics.reloadQuantile(0.5)),
          finite(metrics.reloadQuantile(0.99)), (Long) metrics.rejectedGroups(), finite(cpu.model()), finite(cpu.jit()), finite(cpu.gc()), t == null ? 0 : t.steps(), settings.schedule().canonical(), !closed,
          Instant.now().toString());
    });
  }

  private Trainer.Status trainerStatusOrLast(Trainer.Status answer, Throwable failure) {
    if (failure == null) {
      lastTrainerStatus = answer;
    }
    return lastTrainerStatus;
  }

  private <Req, Res> CompletableFuture<Res> ask(ActorRef<Req> to, java.util.function.Function<ActorRef<Res>, Req> message) {
    return Asks.ask(to, message, ASK, system.scheduler());
  }

  private static Double finite(double x) {
    return Double.isFinite(x) ? x : null;
  }

  // ---- progress, files ----

  private void tick() {
    try {
      lastWindow = metrics.takeWindow();
      meter.sample();
      EngineStatus s = status().toCompletableFuture().get(ASK.toMillis(), TimeUnit.MILLISECONDS);
      MetricsRow row = new MetricsRow(s.completedPositions(), metrics.elapsedSeconds(), s.episodes(),
          s.meanReward() == null ? Double.NaN : s.meanReward(), s.successRate() == null ? Double.NaN : s.successRate(),
          s.adapterVersion(), s.replaySize(), metrics.reloadQuantile(0.99)).after(resumedFrom);
      synchronized (this) {
        rows.add(row);
      }
      writeStatus(s);
      RunReport.appendCsv(settings.dataDir().resolve("metrics.csv"), row);
      progress.accept(progressLine(s, row));
    } catch (Exception e) {
      if (!closed) {
        LOG.warn("metrics tick failed: {}", e.toString());
      }
    }
  }

  private String progressLine(EngineStatus s, MetricsRow row) {
    String total = s.totalPositions() == null ? "∞" : Long.toString(s.totalPositions());
    double perSecond = rows.size() < 2 ? 0
        : (row.episodes() - rows.get(rows.size() - 2).episodes()) / Math.max(1e-3, row.elapsedSeconds() - rows.get(rows.size() - 2).elapsedSeconds());
    return String.format(java.util.Locale.ROOT,
        "position %d/%s  %.0f episodes/s  mean reward %s  success %s  adapter v%d  reload p99 %s  replay %d",
        s.completedPositions(), total, perSecond, fmt(row.meanReward(), "%.3f"),
        Double.isNaN(row.successRate()) ? "-" : String.format(java.util.Locale.ROOT, "%.1f%%", 100 * row.successRate()),
        s.adapterVersion(), Double.isNaN(row.reloadP99Millis()) ? "-" : String.format(java.util.Locale.ROOT, "%.0f ms", row.reloadP99Millis()),
        s.replaySize());
  }

  private static String fmt(double x, String pattern) {
    return Double.isNaN(x) ? "-" : String.format(java.util.Locale.ROOT, pattern, x);
  }

  /** A resumed run's metrics so far, so that metrics.csv and the report go on from them. */
  private static List<MetricsRow> previousRows(Path csv) {
    try {
      return RunReport.resumeCsv(csv, skipped -> LOG.warn("resuming the run's metrics: {}", skipped));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the run's metrics " + csv + ": " + e.getMessage(), e);
    }
  }

  private void writeStatus(EngineStatus s) throws IOException {
    Path file = settings.dataDir().resolve("status.json");
    Path tmp = settings.dataDir().resolve("status.json.tmp");
    Files.writeString(tmp, JSON.writeValueAsString(s));
    Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  private void writeRunFile() {
    Map<String, Object> run = new LinkedHashMap<>();
    run.put("schedule", settings.schedule().canonical());
    run.put("positions", settings.positions());
    run.put("task", config.getString("swarm.task"));
    run.put("seed", settings.seed());
    try {
      Files.createDirectories(settings.dataDir());
      Files.writeString(settings.dataDir().resolve("run.json"), JSON.writeValueAsString(run));
      // the run's own settings (replay capacity, persistence ids, ...) for tools that open it stopped
      Files.writeString(settings.dataDir().resolve("run.conf"), config.withOnlyPath("swarm")
          .withoutPath("swarm.postgres.password").withoutPath("swarm.journal-db")
          .root().render(com.typesafe.config.ConfigRenderOptions.defaults().setOriginComments(false)));
    } catch (IOException e) {
      throw new IllegalStateException("cannot write " + settings.dataDir().resolve("run.json") + ": " + e.getMessage(), e);
    }
  }

  /** The run's effective settings as key/value pairs, for the report. */
  public Map<String, String> describe() {
    Map<String, String> out = new java.util.TreeMap<>();
    config.getConfig("swarm").entrySet().forEach(e -> {
      if (!e.getKey().startsWith("postgres.password") && !e.getKey().startsWith("journal-db")) {
        out.put(e.getKey(), e.getValue().unwrapped().toString());
      }
    });
    return out;
  }

  /**
   * Lets the built-in workers record their chunks in flight and complete what the replay
   * acknowledged, lets the trainer publish the step in hand, writes the final status, metrics row
   * and report.html, then stops the actors and frees the data folder.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    ticker.shutdown(); // a tick under way finishes
    try {
      ticker.awaitTermination(ASK.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    drainWorkers(); // chunks in flight are recorded and every acknowledged position completed
    drainTrainer(); // the step in hand is published before the last row, status and report
    flushReplay(); // sample counts and priorities written behind go into the journal
    tick();
    closed = true;
    try {
      EngineStatus last = status().toCompletableFuture().get(ASK.toMillis(), TimeUnit.MILLISECONDS);
      writeStatus(last);
      RunReport.write(settings.dataDir().resolve("report.html"), "swarm run: " + settings.task().name(), rows(), describe(),
          summary(last));
    } catch (Exception e) {
      LOG.warn("the final status and report could not be written: {}", e.toString());
    }
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("the actor system did not stop within 60 s: {}", e.toString());
    }
    lock.release();
  }

  /** Stops the built-in workers' play; each records its chunks in flight and completes what is acknowledged. */
  private void drainWorkers() {
    List<CompletableFuture<WorkerAgent.Drained>> drained = new ArrayList<>();
    for (int i = 0; i < workers.size(); i++) {
      if (!workerId(i).equals(stoppedPart)) {
        drained.add(Asks.ask(workers.get(i), WorkerAgent.Drain::new, ASK, system.scheduler()));
      }
    }
    try {
      CompletableFuture.allOf(drained.toArray(CompletableFuture[]::new)).get(ASK.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      LOG.warn("the workers did not finish their chunks in flight within {} s: {}", ASK.toSeconds(), e.toString());
    }
  }

  /** Lets a step in flight finish (its files written) before the actors stop. */
  private void drainTrainer() {
    if (trainer == null || "trainer".equals(stoppedPart)) {
      return;
    }
    try {
      AskPattern.<Trainer.Command, Trainer.Drained>ask(trainer, Trainer.Drain::new, Duration.ofMinutes(5), system.scheduler())
          .toCompletableFuture()
          .get(5, TimeUnit.MINUTES);
    } catch (Exception e) {
      LOG.warn("the trainer did not finish its step within 5 minutes: {}", e.toString());
    }
  }

  /** Journals the replay's bookkeeping written behind, so that a resumed run has every sample count and priority. */
  private void flushReplay() {
    if ("replay".equals(stoppedPart)) {
      return;
    }
    try {
      Asks.<Replay.Command, Replay.Flushed>ask(replay, Replay.Flush::new, ASK, system.scheduler())
          .get(ASK.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      LOG.warn("the replay's last sample counts and priorities were not journaled: {}", e.toString());
    }
  }

  /** The run's summary lines: positions, time, success at start and end, versions, reload latency. */
  public List<String> summary(EngineStatus s) {
    RunMetrics.FirstAndLatest success = metrics.firstAndLatestSuccess();
    List<String> lines = new ArrayList<>();
    lines.add(String.format(java.util.Locale.ROOT, "positions completed: %d of %s in %.1f s", s.completedPositions(),
        s.totalPositions() == null ? "unbounded" : s.totalPositions(), metrics.elapsedSeconds()));
    lines.add(String.format(java.util.Locale.ROOT, "success rate: first %d groups %s, latest %d groups %s",
        success.groups(), pct(success.first()), success.groups(), pct(success.latest())));
    lines.add("adapter version: " + s.adapterVersion() + " (" + s.adapterVersions() + " published), trainer steps " + s.trainerSteps());
    lines.add(String.format(java.util.Locale.ROOT, "hot reloads: %d, latency p50 %s, p99 %s; refused versions: %d",
        metrics.reloads(), fmt(metrics.reloadQuantile(0.5), "%.0f ms"), fmt(metrics.reloadQuantile(0.99), "%.0f ms"),
        metrics.refusedVersions()));
    lines.add("replay: " + s.replaySize() + " groups held, " + s.acknowledgedGroups() + " acknowledged"
        + (metrics.rejectedGroups() == 0 ? ""
            : "; " + metrics.rejectedGroups() + " groups refused, their positions completed without them (first "
                + metrics.firstRejection() + ")"));
    ComputeMeter.CpuShares run = meter.wholeRun();
    ComputeMeter.CpuShares recent = meter.recent();
    String perStep = s.trainerSteps() > 0 && Double.isFinite(run.processSeconds() * run.engine())
        ? String.format(java.util.Locale.ROOT, " (per training step: %.1f ms of engine CPU, %.1f ms of model compute)",
            1000 * run.processSeconds() * run.engine() / s.trainerSteps(), 1000 * run.processSeconds() * run.model() / s.trainerSteps())
        : "";
    // the share depends on how fast the machine runs the model; the engine's time per step much less
    lines.add(String.format(java.util.Locale.ROOT, "CPU: %.0f s since the engine started: %s%s; over the last minute: %s",
        run.processSeconds(), cpuShares(run), perStep, cpuShares(recent)));
    return lines;
  }

  /** Where CPU time went: model compute (generation, training steps), the JVM's JIT and GC threads, the engine's own work. */
  private static String cpuShares(ComputeMeter.CpuShares s) {
    return "model compute " + pct(s.model()) + ", JIT compiler " + pct(s.jit()) + ", GC " + pct(s.gc()) + ", engine and rest "
        + pct(s.engine());
  }

  private static String pct(double x) {
    return Double.isNaN(x) ? "-" : String.format(java.util.Locale.ROOT, "%.1f%%", 100 * x);
  }

  /** Sends worker events to the run's metrics and to the caller's listener. */
  private record BothListeners(WorkerListener a, WorkerListener b) implements WorkerListener {
    @Override
    public void recorded(String workerId, List<EpisodeGroup> groups) {
      a.recorded(workerId, groups);
      b.recorded(workerId, groups);
    }

    @Override
    public void reloaded(String workerId, long version, long latencyMillis) {
      a.reloaded(workerId, version, latencyMillis);
      b.reloaded(workerId, version, latencyMillis);
    }

    @Override
    public void refused(String workerId, long version, String reason) {
      a.refused(workerId, version, reason);
      b.refused(workerId, version, reason);
    }

    @Override
    public void rejected(String workerId, List<Replay.Rejection> rejections) {
      a.rejected(workerId, rejections);
      b.rejected(workerId, rejections);
    }

    @Override
    public void finished(String workerId) {
      a.finished(workerId);
      b.finished(workerId);
    }
  }
}
