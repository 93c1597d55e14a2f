package io.swarmengine.engine;

import io.swarmengine.env.Task;
import io.swarmengine.replay.Episode;
import io.swarmengine.replay.EpisodeGroup;
import io.swarmengine.worker.WorkerListener;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a node's workers and the embedding application recorded: episodes, rewards and successes
 * (since the previous row, and over the first and the latest groups), reload latencies, refusals,
 * which workers are done. Thread-safe: workers report from their actors, the ticker reads.
 */
public final class RunMetrics implements WorkerListener {
  private static final int WINDOW = 256;

  private final Task task;
  private final int workers;
  private final long startedNanos = System.nanoTime();
  private long groups;
  private long episodes;
  private double rewardSinceRow;
  private long successSinceRow;
  private long episodesSinceRow;
  private final double[] firstSuccess = new double[WINDOW];
  private int firstCount;
  private final double[] latestSuccess = new double[WINDOW];
  private long latestCount;
  private final List<Long> reloadMillis = new ArrayList<>();
  private long refused;
  private long rejectedGroups;
  private String firstRejection;
  private final Map<String, Long> workerVersions = new ConcurrentHashMap<>();
  private final Map<String, Boolean> finishedWorkers = new ConcurrentHashMap<>();
  private final CompletableFuture<Void> allFinished = new CompletableFuture<>();

  public RunMetrics(Task task, int workers) {
    this.task = task;
    this.workers = workers;
  }

  @Override
  public synchronized void recorded(String workerId, List<EpisodeGroup> recorded) {
    for (EpisodeGroup g : recorded) {
      groups++;
      int solved = 0;
      for (Episode e : g.episodes()) {
        double r = e.totalReward();
        rewardSinceRow += r;
        if (r >= task.successReward() - 1e-9) {
          solved++;
        }
      }
      episodes += g.episodes().size();
      episodesSinceRow += g.episodes().size();
      successSinceRow += solved;
      double share = g.episodes().isEmpty() ? 0 : (double) solved / g.episodes().size();
      if (firstCount < WINDOW) {
        firstSuccess[firstCount++] = share;
      }
      latestSuccess[(int) (latestCount++ % WINDOW)] = share;
      workerVersions.put(workerId, g.adapterVersion());
    }
  }

  @Override
  public synchronized void reloaded(String workerId, long version, long latencyMillis) {
    reloadMillis.add(latencyMillis);
  }

  @Override
  public synchronized void refused(String workerId, long version, String reason) {
    refused++;
  }

  @Override
  public synchronized void rejected(String workerId, List<io.swarmengine.replay.Replay.Rejection> rejections) {
    if (firstRejection == null && !rejections.isEmpty()) {
      firstRejection = rejections.get(0).describe();
    }
    rejectedGroups += rejections.size();
  }

  @Override
  public void finished(String workerId) {
    finishedWorkers.put(workerId, true);
    if (finishedWorkers.size() >= workers) {
      allFinished.complete(null);
    }
  }

  /** Completes when every built-in worker has finished (never, with none). */
  public CompletableFuture<Void> allFinished() {
    return allFinished;
  }

  public double elapsedSeconds() {
    return (System.nanoTime() - startedNanos) / 1e9;
  }

  /** Mean reward and success rate since the previous call (NaN when nothing came), and the running totals. */
  public synchronized Window takeWindow() {
    Window w = new Window(
        episodesSinceRow == 0 ? Double.NaN : rewardSinceRow / episodesSinceRow,
        episodesSinceRow == 0 ? Double.NaN : (double) successSinceRow / episodesSinceRow,
        groups, episodes);
    rewardSinceRow = 0;
    successSinceRow = 0;
    episodesSinceRow = 0;
    return w;
  }

  /** Since the previous window: mean reward and success rate; and groups and episodes so far. */
  public record Window(double meanReward, double successRate, long groups, long episodes) {}

  /** The success rate over the first {@code groups} groups recorded and over the latest as many. */
  public record FirstAndLatest(int groups, double first, double latest) {}

  /**
   * Success over the first and the latest groups: 256 each, or half the groups each in a run of
   * fewer than 512, so that the two never share a group.
   */
  public synchronized FirstAndLatest firstAndLatestSuccess() {
    int n = (int) Math.min(WINDOW, groups / 2);
    double first = 0;
    double latest = 0;
    for (int k = 0; k < n; k++) {
      first += firstSuccess[k];
      latest += latestSuccess[(int) ((latestCount - 1 - k) % WINDOW)];
    }
    return n == 0 ? new FirstAndLatest(0, Double.NaN, Double.NaN) : new FirstAndLatest(n, first / n, latest / n);
  }

  /** The {@code q}-quantile (0..1) of reload latencies in ms, NaN when none. */
  public synchronized double reloadQuantile(double q) {
    if (reloadMillis.isEmpty()) {
      return Double.NaN;
    }
    long[] sorted = reloadMillis.stream().mapToLong(Long::longValue).toArray();
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank))];
  }

  public synchronized int reloads() {
    return reloadMillis.size();
  }

  public synchronized long refusedVersions() {
    return refused;
  }

  /** Groups of the built-in workers the replay refused this session. */
  public synchronized long rejectedGroups() {
    return rejectedGroups;
  }

  /** The first refused group's id and reasons; null when none was refused. */
  public synchronized String firstRejection() {
    return firstRejection;
  }
}
