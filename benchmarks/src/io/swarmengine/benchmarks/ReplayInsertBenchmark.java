package io.swarmengine.benchmarks;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.AskPattern;
import io.swarmengine.replay.EpisodeGroup;
import io.swarmengine.replay.Replay;
import io.swarmengine.replay.ReplaySettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Durable inserts per second through the replay actor with the embedded H2 journal: {@value
 * #WRITERS} workers each insert {@value #GROUPS} small groups (4 episodes of 12 tokens) at a
 * time, two rounds in flight; an insert counts once its acknowledgement (after the journal write)
 * arrives. One operation is one group.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgs = {"-Xms3g", "-Xmx3g"})
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
public class ReplayInsertBenchmark {
  static final int WRITERS = 64;
  static final int GROUPS = 32;

  private BenchSystem bench;
  private ActorSystem<Void> system;
  private ActorRef<Replay.Command> replay;
  private long next;
  private List<CompletableFuture<Replay.InsertResult>> inFlight = List.of();

  @Setup(Level.Trial)
  public void start() throws Exception {
    bench =
        new BenchSystem(
            "bench", Map.of("swarm.replay.capacity", "1000000", "swarm.replay.snapshot-every", "1000000"));
    system = bench.system;
    replay =
        system.systemActorOf(
            Replay.batched(ReplaySettings.fromConfig(bench.config), 1), "replay", Props.empty());
  }

  @TearDown(Level.Trial)
  public void stop() throws Exception {
    bench.closeAndDelete();
  }

  @Benchmark
  @OperationsPerInvocation(WRITERS * GROUPS)
  public long insert() throws Exception {
    List<CompletableFuture<Replay.InsertResult>> round = new ArrayList<>(WRITERS);
    for (int w = 0; w < WRITERS; w++) {
      List<EpisodeGroup> groups = new ArrayList<>(GROUPS);
      for (int i = 0; i < GROUPS; i++) {
        groups.add(BenchGroups.group(next++, 4));
      }
      round.add(
          AskPattern.<Replay.Command, Replay.InsertResult>ask(
                  replay, r -> new Replay.Insert(groups, r), Duration.ofSeconds(60), system.scheduler())
              .toCompletableFuture());
    }
    long accepted = 0;
    for (var ack : inFlight) {
      accepted += ack.get().accepted().size();
    }
    inFlight = round;
    return accepted;
  }
}
