package io.swarmengine.benchmarks;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.AskPattern;
import com.typesafe.config.Config;
import io.swarmengine.replay.EpisodeGroup;
import io.swarmengine.replay.Replay;
import io.swarmengine.replay.ReplaySettings;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Snapshot and recovery of a full replay through the actor on the H2 journal: fills a replay of
 * {@code args[0]} items (default one million) with small groups, times the snapshot that the last
 * insert triggers (copy, binary serialization, write) and the longest answer to a stats request
 * meanwhile, then restarts the whole actor system and times recovery until the replay answers.
 */
public final class ReplaySnapshotRun {
  public static void main(String[] args) throws Exception {
    int items = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int perInsert = 2000;
    int inserts = items / perInsert;
    Duration timeout = Duration.ofMinutes(5);
    Map<String, String> overrides =
        Map.of(
            "swarm.replay.capacity", String.valueOf(items),
            "swarm.replay.snapshot-every", String.valueOf(inserts));
    BenchSystem fill = new BenchSystem("fill", overrides);
    Config config = fill.config;
    ActorSystem<Void> first = fill.system;
    ActorRef<Replay.Command> replay =
        first.systemActorOf(Replay.create(ReplaySettings.fromConfig(config), 1), "replay", Props.empty());
    // a prober asks for stats every 10 ms from the last insert until the snapshot is in the
    // database: its slowest answer is how long the snapshot held the replay up
    long[] slowestStatsNanos = {0};
    boolean[] snapshotWritten = {false};
    Thread prober =
        new Thread(
            () -> {
              try {
                while (!snapshotWritten[0]) {
                  long t0 = System.nanoTime();
                  AskPattern.<Replay.Command, Replay.Stats>ask(
                          replay, Replay.GetStats::new, timeout, first.scheduler())
                      .toCompletableFuture()
                      .get();
                  slowestStatsNanos[0] = Math.max(slowestStatsNanos[0], System.nanoTime() - t0);
                  Thread.sleep(10);
                }
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    long fillStart = System.nanoTime();
    List<CompletableFuture<Replay.InsertResult>> window = new ArrayList<>();
    for (int i = 0; i < inserts; i++) {
      List<EpisodeGroup> groups = new ArrayList<>(perInsert);
      for (int k = 0; k < perInsert; k++) {
        groups.add(BenchGroups.group((long) i * perInsert + k, 2));
      }
      if (i == inserts - 1) {
        prober.start();
      }
      window.add(
          AskPattern.<Replay.Command, Replay.InsertResult>ask(
                  replay, r -> new Replay.Insert(groups, r), timeout, first.scheduler())
              .toCompletableFuture());
      if (window.size() == 8 || i == inserts - 1) {
        for (var ack : window) {
          ack.get();
        }
        window.clear();
        if ((i + 1) % 50 == 0) {
          System.out.printf("filled %,d items%n", (long) (i + 1) * perInsert);
        }
      }
    }
    System.out.printf("fill: %,d items in %.1f s%n", items, (System.nanoTime() - fillStart) / 1e9);

    // the last insert was event number `inserts`: its snapshot is taken now (the replay logs its
    // duration at INFO)
    long snapshotBytes;
    while ((snapshotBytes = snapshotSize(config)) < 0) {
      Thread.sleep(50);
    }
    snapshotWritten[0] = true;
    prober.join();
    System.out.printf(
        "snapshot: %,d bytes; slowest stats answer from the last insert to the written snapshot: %.1f ms%n",
        snapshotBytes, slowestStatsNanos[0] / 1e6);
    fill.close();

    long recoverStart = System.nanoTime();
    try (BenchSystem recover = new BenchSystem("recover", fill.dataDir, overrides)) {
      ActorRef<Replay.Command> recovered =
          recover.system.systemActorOf(
              Replay.create(ReplaySettings.fromConfig(config), 1), "replay", Props.empty());
      Replay.Stats stats =
          AskPattern.<Replay.Command, Replay.Stats>ask(
                  recovered, Replay.GetStats::new, timeout, recover.system.scheduler())
              .toCompletableFuture()
              .get();
      System.out.printf(
          "recovery: %,d items answered %.2f s after the actor system started%n",
          stats.size(), (System.nanoTime() - recoverStart) / 1e9);
    }
    fill.closeAndDelete();
  }

  private static long snapshotSize(Config config) throws Exception {
    Config db = config.getConfig("akka-persistence-jdbc.shared-databases.slick.db");
    try (Connection c = DriverManager.getConnection(db.getString("url"), db.getString("user"), db.getString("password"));
        ResultSet rs =
            c.createStatement()
                .executeQuery(
                    "SELECT MAX(OCTET_LENGTH(\"snapshot_payload\")) FROM \"snapshot\" WHERE \"persistence_id\" = 'replay'")) {
      rs.next();
      long n = rs.getLong(1);
      return rs.wasNull() ? -1 : n;
    }
  }
}
