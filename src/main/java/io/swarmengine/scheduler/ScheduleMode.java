package io.swarmengine.scheduler;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The shapes of a per-step schedule (seed 002): a constant value, a linear or cosine decay from
 * {@code max} to {@code min} over {@code totalSteps}, or autonomous (no limit at all).
 */
public enum ScheduleMode {
  CONSTANT,
  LINEAR,
  COSINE,
  AUTONOMOUS;

  /** The budget an autonomous schedule hands out: in effect, no limit. */
  public static final int NO_LIMIT = 999;

  public static ScheduleMode parse(String mode) {
    for (ScheduleMode m : values()) {
      if (m.name().toLowerCase(Locale.ROOT).equals(mode)) {
        return m;
      }
    }
    throw new IllegalArgumentException(
        "unknown scheduler mode '"
            + mode
            + "', available: "
            + Arrays.stream(values())
                .map(m -> m.name().toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(", ")));
  }

  /**
   * The unrounded value at a 1-indexed {@code step}: {@code t = min(step, total) / total}, linear
   * {@code max + (min - max)·t}, cosine {@code min + (max - min)·(1 + cos(πt))/2}. With one step or
   * fewer the decays stay at {@code max}. Autonomous has no shape and is not defined here.
   */
  double shape(double max, double min, int totalSteps, int step) {
    if (this == CONSTANT || totalSteps <= 1) {
      return max;
    }
    double t = (double) Math.min(step, totalSteps) / totalSteps;
    return switch (this) {
      case LINEAR -> max + (min - max) * t;
      case COSINE -> min + 0.5 * (max - min) * (1 + Math.cos(Math.PI * t));
      default -> throw new IllegalStateException(this + " has no shape");
    };
  }
}
