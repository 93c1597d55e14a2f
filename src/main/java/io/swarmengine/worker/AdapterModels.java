package io.swarmengine.worker;

import io.swarmengine.adapter.AdapterStore;
import io.swarmengine.model.Gpt2;
import io.swarmengine.model.LoraAdapter;
import io.swarmengine.model.ModelFormatException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The models a node makes from adapter versions: each version is read, checked against its sha256
 * and applied to the base once, and the node's workers and the application's policy share the
 * result (each of them read, hashed and parsed every version before). A model is read-only, so
 * several threads generate with it at once. The newest few are kept; a load that failed is not,
 * so the next ask reads the files again.
 */
public final class AdapterModels {
  /** Versions kept: the workers of a node move to a new version within a few groups of each other. */
  static final int KEPT = 4;

  private final Gpt2 base;
  private final AdapterStore store;
  private final LinkedHashMap<String, CompletableFuture<Gpt2>> recent = new LinkedHashMap<>();

  public AdapterModels(Gpt2 base, AdapterStore store) {
    this.base = base;
    this.store = store;
  }

  public Gpt2 base() {
    return base;
  }

  public AdapterStore store() {
    return store;
  }

  /**
   * The base with the adapter stored under {@code sha256}; blocks while another thread loads it.
   *
   * @throws ModelFormatException when the files are missing, corrupt or do not fit the base
   */
  public Gpt2 model(String sha256) throws ModelFormatException {
    CompletableFuture<Gpt2> mine = new CompletableFuture<>();
    CompletableFuture<Gpt2> other;
    synchronized (recent) {
      other = recent.putIfAbsent(sha256, mine);
      if (other == null) {
        keepNewest();
      }
    }
    if (other != null) {
      return await(other);
    }
    try {
      Gpt2 model = base.withAdapter(store.read(sha256, base.config));
      mine.complete(model);
      return model;
    } catch (ModelFormatException | RuntimeException e) {
      synchronized (recent) {
        recent.remove(sha256, mine);
      }
      mine.completeExceptionally(e);
      throw e;
    }
  }

  /**
   * Takes the adapter this node's trainer just stored under {@code sha256}: the object whose bytes
   * that hash was taken of, so the node's workers need not read its files back and check them
   * (versions from anywhere else are read and checked as before).
   */
  public void offer(String sha256, LoraAdapter adapter) {
    Gpt2 model = base.withAdapter(adapter);
    synchronized (recent) {
      if (recent.putIfAbsent(sha256, CompletableFuture.completedFuture(model)) == null) {
        keepNewest();
      }
    }
  }

  private void keepNewest() {
    Iterator<String> oldest = recent.keySet().iterator();
    while (recent.size() > KEPT) {
      oldest.next();
      oldest.remove();
    }
  }

  private static Gpt2 await(CompletableFuture<Gpt2> loading) throws ModelFormatException {
    try {
      return loading.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof ModelFormatException m) {
        throw m;
      }
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }
}
