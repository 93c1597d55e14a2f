package io.swarmengine.engine;

import java.util.Locale;

/**
 * One row of a run's {@code metrics.csv}, written about once a second: the position reached, the
 * seconds since the loop started (not counting the warm start; a resumed run goes on from its last
 * row), the episodes so far, the mean reward and success rate over the groups recorded since the
 * previous row ({@code NaN} when there were none), the newest adapter version, the replay buffer's
 * size, and the p99 of hot-reload latency so far ({@code NaN} before the first reload).
 */
public record MetricsRow(
    long position,
    double elapsedSeconds,
    long episodes,
    double meanReward,
    double successRate,
    long adapterVersion,
    long replaySize,
    double reloadP99Millis) {

  public static final String CSV_HEADER =
      "position,elapsed_s,episodes,mean_reward,success_rate,adapter_version,replay_size,reload_p99_ms";

  /** This row as a line of {@link #CSV_HEADER}'s columns, without a line terminator. */
  public String csvLine() {
    // Locale.ROOT so a decimal comma never splits a field.
    String reload = Double.isNaN(reloadP99Millis) ? "" : String.format(Locale.ROOT, "%.1f", reloadP99Millis);
    return String.format(
        Locale.ROOT,
        "%d,%.3f,%d,%.4f,%.4f,%d,%d,%s",
        position,
        elapsedSeconds,
        episodes,
        meanReward,
        successRate,
        adapterVersion,
        replaySize,
        reload);
  }

  /**
   * The row a {@link #csvLine()} wrote: blank or {@code NaN} numbers read as NaN.
   *
   * @throws IllegalArgumentException when the line does not hold the eight columns as numbers
   */
  public static MetricsRow parse(String line) {
    String[] f = line.split(",", -1);
    if (f.length != 8) {
      throw new IllegalArgumentException("expected 8 columns (" + CSV_HEADER + "), found " + f.length);
    }
    try {
      return new MetricsRow(Long.parseLong(f[0]), decimal(f[1]), Long.parseLong(f[2]), decimal(f[3]), decimal(f[4]),
          Long.parseLong(f[5]), Long.parseLong(f[6]), decimal(f[7]));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a number: " + e.getMessage(), e);
    }
  }

  private static double decimal(String field) {
    return field.isBlank() ? Double.NaN : Double.parseDouble(field);
  }

  /** This row moved on by a previous session's elapsed time and episodes (a resumed run continues them). */
  public MetricsRow after(MetricsRow previous) {
    return previous == null ? this
        : new MetricsRow(position, previous.elapsedSeconds() + elapsedSeconds, previous.episodes() + episodes, meanReward,
            successRate, adapterVersion, replaySize, reloadP99Millis);
  }
}
