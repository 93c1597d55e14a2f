package io.swarmengine.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swarmengine.adapter.AdapterHub;
import io.swarmengine.testing.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
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

/** The file hand-off between the command line and a live engine, both sides in one JVM. */
class LiveRequestsTest {
  @TempDir Path data;
  private RunLock lock;
  private final ExecutorService command = Executors.newSingleThreadExecutor();
  private final List<Long> asked = new CopyOnWriteArrayList<>();

  @AfterEach
  void release() {
    command.shutdownNow();
    if (lock != null) {
      lock.release();
    }
  }

  /** Answers every rollback with {@code answer}, noting what it was asked; lists two versions. */
  private LiveRequests.Handler handler(AdapterHub.RollbackReply answer) {
    return new LiveRequests.Handler() {
      @Override
      public CompletionStage<AdapterHub.RollbackReply> rollback(long to) {
        asked.add(to);
        return CompletableFuture.completedFuture(answer);
      }

      @Override
      public CompletionStage<AdapterHub.Versions> versions() {
        AdapterHub.Version one = new AdapterHub.Version(1, 0, "aa", 10, Map.of("loss", 0.5), true, 1000);
        AdapterHub.Version two = new AdapterHub.Version(2, 1, "bb", 11, Map.of("loss", 0.25), false, 2000);
        return CompletableFuture.completedFuture(new AdapterHub.Versions(List.of(one, two), one, 2));
      }
    };
  }

  /** Serves, as the engine's ticker does, until the command's answer came (at most 10 s). */
  private <T> T serveUntilAnswered(Future<T> answer, LiveRequests.Handler handler) throws Exception {
    Await.until(() -> {
      LiveRequests.serve(data, Clock.systemUTC(), handler);
      return answer.isDone();
    }, 10);
    return answer.get();
  }

  @Test
  void theEngineTakesARollbackAndTheCommandGetsItsAnswer() throws Exception {
    lock = RunLock.acquire(data);
    AdapterHub.RollbackReply reply = serveUntilAnswered(
        command.submit(() -> LiveRequests.rollback(data, 3, Duration.ofSeconds(20), Clock.systemUTC())),
        handler(new AdapterHub.RolledBack(3, List.of(4L, 5L))));
    assertEquals(List.of(3L), asked);
    assertEquals(new AdapterHub.RolledBack(3, List.of(4L, 5L)), reply);
    assertEquals(List.of(), filesIn(LiveRequests.folder(data)), "nothing is left behind");

    AdapterHub.RollbackReply refused = serveUntilAnswered(
        command.submit(() -> LiveRequests.rollback(data, 9, Duration.ofSeconds(20), Clock.systemUTC())),
        handler(new AdapterHub.RollbackRefused("version 9 is itself marked bad")));
    assertEquals(new AdapterHub.RollbackRefused("version 9 is itself marked bad"), refused);
  }

  @Test
  void theEngineListsItsVersions() throws Exception {
    lock = RunLock.acquire(data);
    AdapterHub.Versions versions = serveUntilAnswered(
        command.submit(() -> LiveRequests.versions(data, Duration.ofSeconds(20), Clock.systemUTC())), handler(null));
    assertEquals(2, versions.published());
    assertEquals(List.of(1L, 2L), versions.all().stream().map(AdapterHub.Version::number).toList());
    assertEquals(Map.of("loss", 0.25), versions.all().get(1).metrics());
    assertFalse(versions.all().get(1).good());
    assertEquals(1, versions.newestGood().number());
    assertEquals(List.of(), asked, "a listing rolls nothing back");
  }

  @Test
  void aRequestNobodyTakesIsWithdrawnAndAnExpiredOneIsNeverCarriedOut() throws Exception {
    lock = RunLock.acquire(data);
    TimeoutException late = assertThrows(TimeoutException.class,
        () -> LiveRequests.rollback(data, 2, Duration.ofSeconds(1), Clock.systemUTC()));
    assertTrue(late.getMessage().contains("did not take the rollback request within 1 s; nothing was done"),
        late.getMessage());
    assertEquals(List.of(), filesIn(LiveRequests.folder(data)), "the request was withdrawn");

    // a request whose command died before withdrawing it: past its deadline, the engine drops it
    Files.writeString(LiveRequests.folder(data).resolve("old.request"), "{\"kind\": \"rollback\", \"to\": 2, \"expires_at_ms\": 1}");
    LiveRequests.serve(data, Clock.systemUTC(), handler(new AdapterHub.RolledBack(2, List.of())));
    assertEquals(List.of(), asked);
    assertEquals(List.of(), filesIn(LiveRequests.folder(data)));
  }

  @Test
  void aMalformedRequestIsAnsweredAsRefused() throws Exception {
    Path dir = Files.createDirectories(LiveRequests.folder(data));
    Files.writeString(dir.resolve("x.request"), "{\"kind\": \"rollback\", \"to\": \"three\", \"expires_at_ms\": 99999999999999}");
    Files.writeString(dir.resolve("y.request"), "{\"kind\": \"reboot\", \"expires_at_ms\": 99999999999999}");
    LiveRequests.serve(data, Clock.systemUTC(), handler(new AdapterHub.RolledBack(3, List.of())));
    assertEquals(List.of(), asked, "a malformed request reached the hub");
    String reply = Files.readString(dir.resolve("x.reply"));
    assertTrue(reply.contains("has no whole-number \\\"to\\\""), reply);
    String unknown = Files.readString(dir.resolve("y.reply"));
    assertTrue(unknown.contains("is of an unknown kind 'reboot'"), unknown);
  }

  @Test
  void aCommandWaitingOnARunThatStopsIsToldSo() throws Exception {
    lock = RunLock.acquire(data);
    Future<AdapterHub.RollbackReply> reply =
        command.submit(() -> LiveRequests.rollback(data, 1, Duration.ofSeconds(20), Clock.systemUTC()));
    Await.until(() -> !filesIn(LiveRequests.folder(data)).isEmpty(), 10); // the request was written
    lock.release();
    lock = null;
    Exception e = assertThrows(Exception.class, () -> reply.get(10, TimeUnit.SECONDS));
    TimeoutException stopped = assertInstanceOf(TimeoutException.class, e.getCause());
    assertTrue(stopped.getMessage().contains("stopped before it took the rollback request"), stopped.getMessage());
    assertEquals(List.of(), filesIn(LiveRequests.folder(data)));
  }

  @Test
  void whatAGoneEngineLeftIsClearedAtTheStartButWaitingRequestsStay() throws Exception {
    Path dir = Files.createDirectories(LiveRequests.folder(data));
    Files.writeString(dir.resolve("a.taken"), "{}");
    Files.writeString(dir.resolve("b.reply"), "{}");
    Files.writeString(dir.resolve(".c.reply.tmp"), "{");
    Files.writeString(dir.resolve("d.request"), "{\"kind\": \"versions\", \"expires_at_ms\": 99999999999999}");
    LiveRequests.clearStale(data);
    assertEquals(List.of("d.request"), filesIn(dir));
  }

  private static List<String> filesIn(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
