package io.swarmengine.benchmarks;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.AskPattern;
import io.swarmengine.cursor.CursorSettings;
import io.swarmengine.cursor.PolicyCursor;
import io.swarmengine.policy.PolicySpec;
import io.swarmengine.policy.TrainScope;
import java.time.Clock;
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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Positions handed out per second by the policy cursor through the actor, journaled in the
 * embedded H2 database: {@value #WORKERS} workers each lease {@value #LEASE} positions at a time
 * and complete what they leased before; one operation is one position handed out.
 *
 * <p>{@code batched} is the cursor behind its group-commit batcher (how the engine runs it);
 * {@code direct} sends every command to the journaled actor itself, one write each.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
public class CursorBenchmark {
  static final int WORKERS = 256;
  static final int LEASE = 64;

  /** Runs of 64: infer and train alternate every 64 positions. */
  static final String SPEC =
      "schedule=repeat(0..1000000000000000,period=128,pattern=64:infer+64:train(scope=attn+ffn,opt=adam,lr=3e-4))";

  @Param({"batched", "direct"})
  public String cursorKind;

  private BenchSystem bench;
  private ActorSystem<Void> system;
  private ActorRef<PolicyCursor.Command> cursor;
  private final List<PolicyCursor.Leased> received = new ArrayList<>();
  private List<CompletableFuture<PolicyCursor.LeaseReply>> inFlight = List.of();
  private List<CompletableFuture<PolicyCursor.CompleteReply>> inFlightCompletions = List.of();

  @Setup(Level.Trial)
  public void start() throws Exception {
    bench = new BenchSystem("bench", Map.of());
    system = bench.system;
    CursorSettings settings =
        new CursorSettings("bench-cursor", Duration.ofMinutes(10), 65536, 4096, 1000, 2);
    PolicySpec spec = PolicySpec.parse(SPEC, TrainScope.GPT2_SCOPES);
    var behavior =
        cursorKind.equals("batched")
            ? PolicyCursor.batched(spec, null, settings, Clock.systemUTC())
            : PolicyCursor.create(spec, null, settings, Clock.systemUTC());
    cursor = system.systemActorOf(behavior, "cursor", Props.empty());
  }

  @TearDown(Level.Trial)
  public void stop() throws Exception {
    bench.closeAndDelete();
  }

  /**
   * One round: every worker asks for its next lease and completes the one it got in the round
   * before; the round before this one is awaited. Two rounds are in flight at once, as workers that
   * ask for their next positions while they still work on the current ones.
   */
  @Benchmark
  @OperationsPerInvocation(WORKERS * LEASE)
  public long leaseAndComplete() throws Exception {
    Duration timeout = Duration.ofSeconds(60);
    List<CompletableFuture<PolicyCursor.LeaseReply>> leases = new ArrayList<>(WORKERS);
    List<CompletableFuture<PolicyCursor.CompleteReply>> completions = new ArrayList<>(WORKERS);
    for (int w = 0; w < WORKERS; w++) {
      String worker = "w" + w;
      leases.add(
          AskPattern.<PolicyCursor.Command, PolicyCursor.LeaseReply>ask(
                  cursor, r -> new PolicyCursor.Lease(worker, LEASE, r), timeout, system.scheduler())
              .toCompletableFuture());
      if (w < received.size()) {
        var runs = received.get(w).runs();
        long from = runs.get(0).from();
        long to = runs.get(runs.size() - 1).to();
        completions.add(
            AskPattern.<PolicyCursor.Command, PolicyCursor.CompleteReply>ask(
                    cursor, r -> new PolicyCursor.Complete(worker, from, to, r), timeout, system.scheduler())
                .toCompletableFuture());
      }
    }
    received.clear();
    long positions = 0;
    for (var lease : inFlight) {
      PolicyCursor.Leased leased = (PolicyCursor.Leased) lease.get();
      received.add(leased);
      positions += leased.positions();
    }
    for (var completion : inFlightCompletions) {
      if (!(completion.get() instanceof PolicyCursor.Completed)) {
        throw new IllegalStateException("completion refused: " + completion.get());
      }
    }
    inFlight = leases;
    inFlightCompletions = completions;
    return positions;
  }
}
