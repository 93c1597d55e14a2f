package io.swarmengine.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.swarmengine.adapter.AdapterHub;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How {@code swarm adapter rollback} reaches a live run on its data folder. The command cannot open
 * the journal the engine holds, and must not: a second hub on the same persistence id would write
 * over the live hub's sequence numbers. So it leaves a request in {@code DIR/control}; the engine
 * takes it within a metrics interval, asks its own hub, and answers beside it. Each request carries
 * its deadline, so one whose command gave up (or died) is never carried out later.
 *
 * <p>Files, each written beside and renamed into place: {@code ID.rollback} (the request),
 * {@code ID.taken} (the engine has it), {@code ID.reply} (the answer, which the command deletes).
 */
public final class LiveRollbacks {
  private static final Logger LOG = LoggerFactory.getLogger(LiveRollbacks.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String REQUEST = ".rollback";
  private static final String TAKEN = ".taken";
  private static final String REPLY = ".reply";
  private static final Duration POLL = Duration.ofMillis(50);

  private LiveRollbacks() {}

  static Path folder(Path data) {
    return data.resolve("control");
  }

  // ---- the command's side ----

  /**
   * Asks the live engine on {@code data} to roll back to {@code to} and waits for its answer.
   *
   * @throws TimeoutException when no answer came within {@code timeout}, or the run stopped first;
   *     the message says whether the engine had taken the request
   */
  public static AdapterHub.RollbackReply request(Path data, long to, Duration timeout, Clock clock)
      throws TimeoutException, InterruptedException {
    String id = UUID.randomUUID().toString();
    Path dir = folder(data);
    Path request = dir.resolve(id + REQUEST);
    Path reply = dir.resolve(id + REPLY);
    long deadline = clock.millis() + timeout.toMillis();
    ObjectNode body = JSON.createObjectNode();
    body.put("to", to);
    body.put("expires_at_ms", deadline);
    try {
      Files.createDirectories(dir);
      writeInPlace(request, JSON.writeValueAsBytes(body));
    } catch (IOException e) {
      throw new IllegalStateException("cannot leave a rollback request in " + dir + ": " + e.getMessage(), e);
    }
    while (clock.millis() < deadline) {
      if (Files.exists(reply)) {
        try {
          return parseReply(Files.readAllBytes(reply));
        } catch (IOException e) {
          throw new IllegalStateException("cannot read the live run's answer " + reply + ": " + e.getMessage(), e);
        } finally {
          deleteQuietly(reply);
        }
      }
      if (!RunLock.isHeld(data) && withdraw(request)) {
        throw new TimeoutException("the run in " + data + " stopped before it took the rollback request;"
            + " run the command again to roll back the stopped run");
      }
      Thread.sleep(POLL.toMillis());
    }
    if (withdraw(request)) {
      throw new TimeoutException("the live run in " + data + " did not take the rollback request within "
          + timeout.toSeconds() + " s; nothing was rolled back");
    }
    throw new TimeoutException("the live run in " + data + " took the rollback request but did not answer within "
        + timeout.toSeconds() + " s; `swarm status --data " + data + "` shows the adapter version it is on");
  }

  /** Deletes a request the engine has not taken; false when it had (it was renamed away). */
  private static boolean withdraw(Path request) {
    try {
      return Files.deleteIfExists(request);
    } catch (IOException e) {
      return false;
    }
  }

  private static AdapterHub.RollbackReply parseReply(byte[] bytes) throws IOException {
    JsonNode node = JSON.readTree(bytes);
    if (node.has("refused")) {
      return new AdapterHub.RollbackRefused(node.get("refused").asText());
    }
    List<Long> bad = new ArrayList<>();
    node.get("marked_bad").forEach(v -> bad.add(v.asLong()));
    return new AdapterHub.RolledBack(node.get("rolled_back_to").asLong(), List.copyOf(bad));
  }

  // ---- the engine's side ----

  /**
   * Deletes what an engine that is gone left behind: requests it had taken (it will never answer
   * them; their command says so when it gives up) and answers nobody read.
   */
  static void clearStale(Path data) {
    Path dir = folder(data);
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*{" + TAKEN + "," + REPLY + ",.tmp}")) {
      files.forEach(LiveRollbacks::deleteQuietly);
    } catch (IOException e) {
      LOG.warn("cannot clear {}: {}", dir, e.toString());
    }
  }

  /**
   * Takes every waiting request and hands it to {@code rollback}, answering each when its rollback
   * answers. Expired requests are dropped (their command no longer waits). Never throws: a request
   * it cannot read is answered as refused, a folder it cannot list is logged.
   */
  static void serve(Path data, Clock clock, LongFunction<CompletionStage<AdapterHub.RollbackReply>> rollback) {
    Path dir = folder(data);
    if (!Files.isDirectory(dir)) {
      return;
    }
    List<Path> requests = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + REQUEST)) {
      files.forEach(requests::add);
    } catch (IOException e) {
      LOG.warn("cannot look for rollback requests in {}: {}", dir, e.toString());
      return;
    }
    for (Path request : requests) {
      String id = request.getFileName().toString();
      id = id.substring(0, id.length() - REQUEST.length());
      Path taken = dir.resolve(id + TAKEN);
      try {
        Files.move(request, taken, StandardCopyOption.ATOMIC_MOVE);
      } catch (NoSuchFileException withdrawn) {
        continue;
      } catch (IOException e) {
        LOG.warn("cannot take the rollback request {}: {}", request, e.toString());
        continue;
      }
      take(taken, dir.resolve(id + REPLY), clock, rollback);
    }
  }

  private static void take(Path taken, Path reply, Clock clock,
      LongFunction<CompletionStage<AdapterHub.RollbackReply>> rollback) {
    long to;
    try {
      JsonNode node = JSON.readTree(Files.readAllBytes(taken));
      if (!node.path("to").canConvertToLong() || !node.path("expires_at_ms").canConvertToLong()) {
        answer(taken, reply, new AdapterHub.RollbackRefused("the rollback request " + taken.getFileName()
            + " has no whole-number \"to\" and \"expires_at_ms\""));
        return;
      }
      if (node.get("expires_at_ms").asLong() < clock.millis()) {
        LOG.warn("dropped the rollback request to version {}: its command stopped waiting", node.get("to").asLong());
        deleteQuietly(taken);
        return;
      }
      to = node.get("to").asLong();
    } catch (IOException e) {
      answer(taken, reply, new AdapterHub.RollbackRefused("the rollback request " + taken.getFileName()
          + " cannot be read: " + e.getMessage()));
      return;
    }
    LOG.info("rolling back to version {} (swarm adapter rollback)", to);
    rollback.apply(to).whenComplete((answer, failure) -> answer(taken, reply, failure == null ? answer
        : new AdapterHub.RollbackRefused("the adapter hub did not answer: " + failure)));
  }

  private static void answer(Path taken, Path reply, AdapterHub.RollbackReply answer) {
    ObjectNode body = JSON.createObjectNode();
    if (answer instanceof AdapterHub.RolledBack rolled) {
      body.put("rolled_back_to", rolled.to());
      rolled.markedBad().forEach(body.putArray("marked_bad")::add);
    } else {
      body.put("refused", ((AdapterHub.RollbackRefused) answer).reason());
    }
    try {
      writeInPlace(reply, JSON.writeValueAsBytes(body));
    } catch (IOException e) {
      LOG.warn("cannot answer the rollback request {}: {}", taken, e.toString());
    } finally {
      deleteQuietly(taken);
    }
  }

  /** Written beside and renamed, so the other side never reads half a file. */
  private static void writeInPlace(Path target, byte[] bytes) throws IOException {
    Path beside = target.resolveSibling("." + target.getFileName() + ".tmp");
    Files.write(beside, bytes);
    Files.move(beside, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.debug("cannot delete {}: {}", file, e.toString());
    }
  }
}
