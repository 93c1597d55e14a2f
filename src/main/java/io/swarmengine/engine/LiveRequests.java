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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the command line reaches a live run on its data folder ({@code swarm adapter rollback},
 * {@code swarm adapter list}). A command cannot open the journal the engine holds, and must not: a
 * second hub on the same persistence id would write over the live hub's sequence numbers. So it
 * leaves a request in {@code DIR/control}; the engine takes it within a metrics interval, asks its
 * own hub, and answers beside it. Each request carries its deadline, so one whose command gave up
 * (or died) is never carried out later.
 *
 * <p>Files, each written beside and renamed into place: {@code ID.request} (JSON: {@code kind},
 * {@code expires_at_ms}, and {@code to} for a rollback), {@code ID.taken} (the engine has it),
 * {@code ID.reply} (the answer, which the command deletes; {@code refused} when it was refused).
 */
public final class LiveRequests {
  private static final Logger LOG = LoggerFactory.getLogger(LiveRequests.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String REQUEST = ".request";
  private static final String TAKEN = ".taken";
  private static final String REPLY = ".reply";
  private static final Duration POLL = Duration.ofMillis(50);

  /** What the engine does for a request. */
  interface Handler {
    CompletionStage<AdapterHub.RollbackReply> rollback(long to);

    CompletionStage<AdapterHub.Versions> versions();
  }

  private LiveRequests() {}

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
  public static AdapterHub.RollbackReply rollback(Path data, long to, Duration timeout, Clock clock)
      throws TimeoutException, InterruptedException {
    ObjectNode body = JSON.createObjectNode();
    body.put("kind", "rollback");
    body.put("to", to);
    JsonNode reply = ask(data, body, "the rollback request", timeout, clock);
    if (reply.has("refused")) {
      return new AdapterHub.RollbackRefused(reply.get("refused").asText());
    }
    List<Long> bad = new ArrayList<>();
    reply.get("marked_bad").forEach(v -> bad.add(v.asLong()));
    return new AdapterHub.RolledBack(reply.get("rolled_back_to").asLong(), List.copyOf(bad));
  }

  /** The live engine's adapter versions, as its hub holds them now. */
  public static AdapterHub.Versions versions(Path data, Duration timeout, Clock clock)
      throws TimeoutException, InterruptedException {
    ObjectNode body = JSON.createObjectNode();
    body.put("kind", "versions");
    JsonNode reply = ask(data, body, "the request for its versions", timeout, clock);
    if (reply.has("refused")) {
      throw new IllegalStateException("the live run in " + data + " did not list its versions: " + reply.get("refused").asText());
    }
    try {
      return JSON.treeToValue(reply, AdapterHub.Versions.class);
    } catch (IOException e) {
      throw new IllegalStateException("the live run's list of versions cannot be read: " + e.getMessage(), e);
    }
  }

  private static JsonNode ask(Path data, ObjectNode body, String what, Duration timeout, Clock clock)
      throws TimeoutException, InterruptedException {
    String id = UUID.randomUUID().toString();
    Path dir = folder(data);
    Path request = dir.resolve(id + REQUEST);
    Path reply = dir.resolve(id + REPLY);
    long deadline = clock.millis() + timeout.toMillis();
    body.put("expires_at_ms", deadline);
    try {
      Files.createDirectories(dir);
      writeInPlace(request, JSON.writeValueAsBytes(body));
    } catch (IOException e) {
      throw new IllegalStateException("cannot leave " + what + " in " + dir + ": " + e.getMessage(), e);
    }
    while (clock.millis() < deadline) {
      if (Files.exists(reply)) {
        try {
          return JSON.readTree(Files.readAllBytes(reply));
        } catch (IOException e) {
          throw new IllegalStateException("cannot read the live run's answer " + reply + ": " + e.getMessage(), e);
        } finally {
          deleteQuietly(reply);
        }
      }
      if (!RunLock.isHeld(data) && withdraw(request)) {
        throw new TimeoutException("the run in " + data + " stopped before it took " + what
            + "; run the command again to ask the stopped run");
      }
      Thread.sleep(POLL.toMillis());
    }
    if (withdraw(request)) {
      throw new TimeoutException("the live run in " + data + " did not take " + what + " within "
          + timeout.toSeconds() + " s; nothing was done");
    }
    throw new TimeoutException("the live run in " + data + " took " + what + " but did not answer within "
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
      files.forEach(LiveRequests::deleteQuietly);
    } catch (IOException e) {
      LOG.warn("cannot clear {}: {}", dir, e.toString());
    }
  }

  /**
   * Takes every waiting request and hands it to {@code handler}, answering each when the handler
   * does. Expired requests are dropped (their command no longer waits). Never throws: a request it
   * cannot read is answered as refused, a folder it cannot list is logged.
   */
  static void serve(Path data, Clock clock, Handler handler) {
    Path dir = folder(data);
    if (!Files.isDirectory(dir)) {
      return;
    }
    List<Path> requests = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + REQUEST)) {
      files.forEach(requests::add);
    } catch (IOException e) {
      LOG.warn("cannot look for requests in {}: {}", dir, e.toString());
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
        LOG.warn("cannot take the request {}: {}", request, e.toString());
        continue;
      }
      take(taken, dir.resolve(id + REPLY), clock, handler);
    }
  }

  private static void take(Path taken, Path reply, Clock clock, Handler handler) {
    JsonNode node;
    try {
      node = JSON.readTree(Files.readAllBytes(taken));
    } catch (IOException e) {
      answer(taken, reply, refused("the request " + taken.getFileName() + " cannot be read: " + e.getMessage()));
      return;
    }
    if (!node.path("expires_at_ms").canConvertToLong()) {
      answer(taken, reply, refused("the request " + taken.getFileName() + " has no whole-number \"expires_at_ms\""));
      return;
    }
    String kind = node.path("kind").asText();
    if (node.get("expires_at_ms").asLong() < clock.millis()) {
      LOG.warn("dropped a {} request: its command stopped waiting", kind);
      deleteQuietly(taken);
      return;
    }
    CompletionStage<JsonNode> answer;
    switch (kind) {
      case "rollback":
        if (!node.path("to").canConvertToLong()) {
          answer(taken, reply, refused("the rollback request " + taken.getFileName() + " has no whole-number \"to\""));
          return;
        }
        long to = node.get("to").asLong();
        LOG.info("rolling back to version {} (swarm adapter rollback)", to);
        answer = handler.rollback(to).thenApply(LiveRequests::rollbackAnswer);
        break;
      case "versions":
        answer = handler.versions().thenApply(versions -> (JsonNode) JSON.valueToTree(versions));
        break;
      default:
        answer(taken, reply, refused("the request " + taken.getFileName() + " is of an unknown kind '" + kind + "'"));
        return;
    }
    answer.exceptionally(failure -> refused("the adapter hub did not answer: " + failure))
        .thenAccept(body -> answer(taken, reply, body));
  }

  private static JsonNode rollbackAnswer(AdapterHub.RollbackReply reply) {
    if (reply instanceof AdapterHub.RollbackRefused r) {
      return refused(r.reason());
    }
    AdapterHub.RolledBack rolled = (AdapterHub.RolledBack) reply;
    ObjectNode body = JSON.createObjectNode();
    body.put("rolled_back_to", rolled.to());
    rolled.markedBad().forEach(body.putArray("marked_bad")::add);
    return body;
  }

  private static ObjectNode refused(String reason) {
    return JSON.createObjectNode().put("refused", reason);
  }

  private static void answer(Path taken, Path reply, JsonNode body) {
    try {
      writeInPlace(reply, JSON.writeValueAsBytes(body));
    } catch (IOException e) {
      LOG.warn("cannot answer the request {}: {}", taken, e.toString());
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
