package io.swarmengine.engine;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.AskPattern;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.pubsub.Topic;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.typesafe.config.Config;
import io.swarmengine.adapter.AdapterHub;
import io.swarmengine.adapter.AdapterStore;
import io.swarmengine.cursor.CursorSettings;
import io.swarmengine.cursor.PolicyCursor;
import io.swarmengine.persistence.JournalSchema;
import io.swarmengine.persistence.SwarmConfig;
import io.swarmengine.policy.PolicyException;
import io.swarmengine.policy.PolicySpec;
import io.swarmengine.policy.TrainScope;
import io.swarmengine.replay.Replay;
import io.swarmengine.replay.ReplaySettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/** Looks at a run from outside: whether an engine is live on it, and the status of a stopped one. */
public final class RunInspection {
  public static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final Duration ASK = Duration.ofMinutes(5);

  private RunInspection() {}

  /** Whether an engine holds {@code data} now. */
  public static boolean isLive(Path data) {
    return RunLock.isHeld(data);
  }

  /**
   * The settings a run in {@code data} was started with ({@code run.conf}, which the engine writes
   * at start: persistence ids, replay capacity, kept versions, ...), over the defaults; the
   * defaults alone for a folder without one.
   */
  public static Config configOf(Path data) {
    Path runConf = data.resolve("run.conf");
    return Files.isRegularFile(runConf)
        ? SwarmConfig.load(com.typesafe.config.ConfigFactory.parseMap(java.util.Map.of("swarm.data-dir", data.toString()))
            .withFallback(com.typesafe.config.ConfigFactory.parseFile(runConf.toFile())))
        : SwarmConfig.forDataDir(data);
  }

  /**
   * The adapter hub of the stopped run {@code config} describes (its {@link #configOf}), recovered
   * from the journal in {@code system}, for tools that ask or tell it something.
   */
  public static ActorRef<AdapterHub.Command> recoverHub(ActorSystem<?> system, Config config) {
    ActorRef<Topic.Command<AdapterHub.AdapterPublished>> topic = system.systemActorOf(
        Topic.create(AdapterHub.AdapterPublished.class, AdapterHub.TOPIC), "topic", Props.empty());
    return system.systemActorOf(AdapterHub.create(config.getString("swarm.adapters.persistence-id"),
        new AdapterStore(Path.of(config.getString("swarm.data-dir"))), topic, Clock.systemUTC(),
        AdapterHub.keepVersions(config)), "hub", Props.empty());
  }

  /**
   * The status of the stopped run in {@code data}, recovered from its journal: the cursor (with the
   * schedule the run recorded in run.json), the replay and the adapter hub. Nothing is written.
   *
   * @throws IllegalStateException when there is no run or its journal cannot be read
   */
  public static EngineStatus stopped(Path data) {
    Path runFile = data.resolve("run.json");
    PolicySpec spec;
    Long total;
    try {
      JsonNode run = JSON.readTree(runFile.toFile());
      spec = PolicySpec.parse(run.get("schedule").asText(), TrainScope.GPT2_SCOPES);
      total = run.get("positions").isNull() ? null : run.get("positions").asLong();
    } catch (IOException | NullPointerException e) {
      throw new IllegalStateException("no run in " + data + ": " + runFile + " is missing or unreadable (" + e.getMessage() + ")");
    } catch (PolicyException e) {
      throw new IllegalStateException(runFile + " holds a schedule that does not parse: " + e.getMessage());
    }
    Config config = configOf(data);
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "swarm-status", config);
    try {
      JournalSchema.verify(config);
      ActorRef<PolicyCursor.Command> cursor = system.systemActorOf(
          PolicyCursor.create(spec, total, CursorSettings.fromConfig(config), Clock.systemUTC()), "cursor", Props.empty());
      ActorRef<Replay.Command> replay =
          system.systemActorOf(Replay.create(ReplaySettings.fromConfig(config), 0), "replay", Props.empty());
      ActorRef<AdapterHub.Command> hub = recoverHub(system, config);
      PolicyCursor.Progress p = ask(system, cursor, PolicyCursor.GetProgress::new);
      Replay.Stats s = ask(system, replay, Replay.GetStats::new);
      AdapterHub.Versions v = ask(system, hub, AdapterHub.GetVersions::new);
      return new EngineStatus(p.nextPosition(), p.completedPositions(), p.total(), p.finished(),
          v.newestGood() == null ? 0 : v.newestGood().number(), v.published(), s.size(), s.inserts(), null, null, null,
          null, null, null, null, null, null, v.published(), spec.canonical(), false, Instant.now().toString());
    } catch (Exception e) {
      throw new IllegalStateException("cannot recover the run in " + data + ": " + e.getMessage(), e);
    } finally {
      system.terminate();
      try {
        system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        // exiting anyway
      }
    }
  }

  private static <Req, Res> Res ask(ActorSystem<?> system, ActorRef<Req> to, akka.japi.function.Function<ActorRef<Res>, Req> message)
      throws Exception {
    return AskPattern.ask(to, message, ASK, system.scheduler()).toCompletableFuture().get(ASK.toMillis(), TimeUnit.MILLISECONDS);
  }

}
