package io.swarmengine.adapter;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Scheduler;
import akka.actor.typed.javadsl.AskPattern;
import io.swarmengine.model.ModelFormatException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Makes a version's files present in this node's store: nothing to do where the data folder is
 * shared; otherwise the bundle comes from the hub chunk by chunk and is installed only when it
 * hashes to the version's sha256. Blocking: call it from a blocking dispatcher.
 */
public final class AdapterFetch {
  private static final int CHUNK = 1 << 20;
  private static final Duration ASK = Duration.ofSeconds(30);

  private AdapterFetch() {}

  public static void ensureLocal(AdapterStore store, ActorRef<AdapterHub.Command> hub, AdapterHub.Version version,
      Scheduler scheduler) throws IOException, ModelFormatException {
    if (Files.isDirectory(store.path(version.sha256()))) {
      return;
    }
    ByteArrayOutputStream bundle = new ByteArrayOutputStream();
    long offset = 0;
    while (true) {
      long from = offset;
      AdapterHub.FetchReply reply;
      try {
        reply = AskPattern.<AdapterHub.Command, AdapterHub.FetchReply>ask(
                hub, replyTo -> new AdapterHub.Fetch(version.number(), from, CHUNK, replyTo), ASK, scheduler)
            .toCompletableFuture()
            .get(ASK.toMillis() + 1000, TimeUnit.MILLISECONDS);
      } catch (ExecutionException | TimeoutException e) {
        throw new IOException("fetching version " + version.number() + " from the hub failed: " + e.getMessage(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while fetching version " + version.number(), e);
      }
      if (reply instanceof AdapterHub.FetchRefused refused) {
        throw new IOException("the hub refused version " + version.number() + ": " + refused.reason());
      }
      AdapterHub.Chunk chunk = (AdapterHub.Chunk) reply;
      bundle.write(chunk.data());
      offset += chunk.data().length;
      if (chunk.last() || chunk.data().length == 0) {
        break;
      }
    }
    store.install(version.sha256(), bundle.toByteArray());
  }
}
