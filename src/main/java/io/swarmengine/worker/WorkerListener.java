package io.swarmengine.worker;

import io.swarmengine.replay.EpisodeGroup;
import io.swarmengine.replay.Replay;
import java.util.List;

/**
 * Observes a worker on its own node (progress lines, metrics, tests): called from the worker's
 * actor, so implementations must be quick and thread-safe. Not a message: it never leaves the JVM.
 */
public interface WorkerListener {
  /** {@code groups} are durable in the replay and their positions completed. */
  default void recorded(String workerId, List<EpisodeGroup> groups) {}

  /**
   * The replay refused these groups (oversized, non-finite values, a priority function that failed;
   * each with its reasons) and their positions are completed without them: playing them again
   * would give the same groups.
   */
  default void rejected(String workerId, List<Replay.Rejection> rejections) {}

  /** The worker played its first group on {@code version}, {@code latencyMillis} after the hub announced it. */
  default void reloaded(String workerId, long version, long latencyMillis) {}

  /** The worker refused {@code version} (it failed verification) and keeps the one it has. */
  default void refused(String workerId, long version, String reason) {}

  /** The cursor has no positions left for anyone. */
  default void finished(String workerId) {}

  WorkerListener NONE = new WorkerListener() {};
}
