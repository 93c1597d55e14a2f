package io.swarmengine.replay;

/**
 * Reverb's rate limiter, sample side: a sample of {@code n} may proceed when the replay holds at
 * least {@code minSizeToSample} items and {@code inserts·spi − samples − n ≥ minDiff}. With
 * {@link #sampleToInsertRatio} ({@code minDiff = spi·minSize − errorBuffer}), samplers can draw
 * about {@code spi} items per inserted one; {@link #minSize} only waits for the size. Inserts are
 * never held back or dropped here.
 */
public record RateLimiter(double samplesPerInsert, long minSizeToSample, double minDiff) {

  public static RateLimiter minSize(long minSize) {
    return new RateLimiter(1.0, minSize, Double.NEGATIVE_INFINITY);
  }

  /** Refuses an error buffer below {@code 2·max(1, spi)}, as Reverb does: it could block forever. */
  public static RateLimiter sampleToInsertRatio(double spi, long minSize, double errorBuffer) {
    if (!(spi > 0) || minSize < 1) {
      throw new IllegalArgumentException(
          "samples per insert must be > 0 and the minimum size >= 1, got " + spi + " and " + minSize);
    }
    if (errorBuffer < 2 * Math.max(1.0, spi)) {
      throw new IllegalArgumentException(
          "error buffer " + errorBuffer + " is below 2·max(1, samples per insert) = "
              + 2 * Math.max(1.0, spi) + ": samplers could wait forever");
    }
    return new RateLimiter(spi, minSize, spi * minSize - errorBuffer);
  }

  public boolean canSample(long size, long inserts, long samples, int n) {
    return size >= minSizeToSample && inserts * samplesPerInsert - samples - n >= minDiff;
  }

  /** Why a sample of {@code n} must wait now, for the waiting sampler's answer. */
  public String whyWaiting(long size, long inserts, long samples, int n) {
    if (size < minSizeToSample) {
      return "the replay holds " + size + " items, fewer than the " + minSizeToSample + " needed to sample";
    }
    return "sampling " + n + " more would exceed " + samplesPerInsert + " samples per insert ("
        + samples + " samples for " + inserts + " inserts)";
  }
}
