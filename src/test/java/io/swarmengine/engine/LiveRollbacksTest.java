package io.swarmengine.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swarmengine.adapter.AdapterHub;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file hand-off between {@code swarm adapter rollback} and a live engine, both sides in one JVM. */
class LiveRollbacksTest {
  @TempDir Path data;
  private RunLock lock;
  private final ExecutorService command = Executors.newSingleThreadExecutor();

  @AfterEach
  void release() {
    command.shutdownNow();
    if (lock != null) {
      lock.release();
    }
  }

  private Future<AdapterHub.RollbackReply> requestInBackground(long to, Duration timeout) {
    return command.submit(() -> LiveRollbacks.request(data, to, timeout, Clock.systemUTC()));
  }

  /** Serves until a request was taken (the command's file is renamed away), at most 10 s. */
  private void serveUntilTaken(List<Long> asked, AdapterHub.RollbackReply answer) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (asked.isEmpty()) {
      assertTrue(System.nanoTime() < deadline, "no request was taken");
      LiveRollbacks.serve(data, Clock.systemUTC(), to -> {
        asked.add(to);
        return CompletableFuture.completedFuture(answer);
      });
      Thread.sleep(20);
    }
  }

  @Test
  void theEngineTakesTheRequestAndTheCommandGetsItsAnswer() throws Exception {
    lock = RunLock.acquire(data);
    Future<AdapterHub.RollbackReply> reply = requestInBackground(3, Duration.ofSeconds(20));
    List<Long> asked = new CopyOnWriteArrayList<>();
    serveUntilTaken(asked, new AdapterHub.RolledBack(3, List.of(4L, 5L)));
    assertEquals(List.of(3L), asked);
    assertEquals(new AdapterHub.RolledBack(3, List.of(4L, 5L)), reply.get(10, TimeUnit.SECONDS));
    assertEquals(List.of(), filesIn(LiveRollbacks.folder(data)), "nothing is left behind");

    Future<AdapterHub.RollbackReply> refused = requestInBackground(9, Duration.ofSeconds(20));
    asked.clear();
    serveUntilTaken(asked, new AdapterHub.RollbackRefused("version 9 is itself marked bad"));
    assertEquals(new AdapterHub.RollbackRefused("version 9 is itself marked bad"), refused.get(10, TimeUnit.SECONDS));
  }

  @Test
  void aRequestNobodyTakesIsWithdrawnAndAnExpiredOneIsNeverCarriedOut() throws Exception {
    lock = RunLock.acquire(data);
    TimeoutException late = assertThrows(TimeoutException.class,
        () -> LiveRollbacks.request(data, 2, Duration.ofSeconds(1), Clock.systemUTC()));
    assertTrue(late.getMessage().contains("did not take the rollback request within 1 s; nothing was rolled back"),
        late.getMessage());
    assertEquals(List.of(), filesIn(LiveRollbacks.folder(data)), "the request was withdrawn");

    // a request whose command died before withdrawing it: past its deadline, the engine drops it
    Files.writeString(LiveRollbacks.folder(data).resolve("old.rollback"), "{\"to\": 2, \"expires_at_ms\": 1}");
    List<Long> asked = new CopyOnWriteArrayList<>();
    LiveRollbacks.serve(data, Clock.systemUTC(), to -> {
      asked.add(to);
      return CompletableFuture.completedFuture(new AdapterHub.RolledBack(to, List.of()));
    });
    assertEquals(List.of(), asked);
    assertEquals(List.of(), filesIn(LiveRollbacks.folder(data)));
  }

  @Test
  void aMalformedRequestIsAnsweredAsRefused() throws Exception {
    Path dir = Files.createDirectories(LiveRollbacks.folder(data));
    Files.writeString(dir.resolve("x.rollback"), "{\"to\": \"three\", \"expires_at_ms\": 99999999999999}");
    LiveRollbacks.serve(data, Clock.systemUTC(), to -> {
      throw new AssertionError("a malformed request reached the hub");
    });
    String reply = Files.readString(dir.resolve("x.reply"));
    assertTrue(reply.contains("has no whole-number \\\"to\\\" and \\\"expires_at_ms\\\""), reply);
  }

  @Test
  void aCommandWaitingOnARunThatStopsIsToldSo() throws Exception {
    lock = RunLock.acquire(data);
    Future<AdapterHub.RollbackReply> reply = requestInBackground(1, Duration.ofSeconds(20));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (filesIn(LiveRollbacks.folder(data)).isEmpty()) {
      assertTrue(System.nanoTime() < deadline, "no request was written");
      Thread.sleep(20);
    }
    lock.release();
    lock = null;
    Exception e = assertThrows(Exception.class, () -> reply.get(10, TimeUnit.SECONDS));
    TimeoutException stopped = assertInstanceOf(TimeoutException.class, e.getCause());
    assertTrue(stopped.getMessage().contains("stopped before it took the rollback request"), stopped.getMessage());
    assertEquals(List.of(), filesIn(LiveRollbacks.folder(data)));
  }

  @Test
  void whatAGoneEngineLeftIsClearedAtTheStartButWaitingRequestsStay() throws Exception {
    Path dir = Files.createDirectories(LiveRollbacks.folder(data));
    Files.writeString(dir.resolve("a.taken"), "{}");
    Files.writeString(dir.resolve("b.reply"), "{}");
    Files.writeString(dir.resolve(".c.reply.tmp"), "{");
    Files.writeString(dir.resolve("d.rollback"), "{\"to\": 1, \"expires_at_ms\": 99999999999999}");
    LiveRollbacks.clearStale(data);
    assertEquals(List.of("d.rollback"), filesIn(dir));
  }

  private static List<String> filesIn(Path dir) throws Exception {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
