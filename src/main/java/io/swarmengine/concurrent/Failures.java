package io.swarmengine.concurrent;

import java.util.concurrent.CompletionException;

/** What went wrong in work piped back to an actor from a future. */
public final class Failures {
  private Failures() {}

  /** The failure itself, not the CompletionException a CompletableFuture wrapped it in. */
  public static Throwable cause(Throwable t) {
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
  }
}
