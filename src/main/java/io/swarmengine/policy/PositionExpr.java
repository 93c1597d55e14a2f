package io.swarmengine.policy;

/**
 * A position in a schedule: an absolute position index, or a percentage of the run's total that is
 * resolved when the policy is compiled against a known total.
 */
public sealed interface PositionExpr {

  /** An absolute position (the seed's {@code Bytes}). */
  record Absolute(long value) implements PositionExpr {
    @Override
    public String toString() {
      return Long.toString(value);
    }
  }

  /** A percentage in [0, 100] of the run's total. */
  record Percent(double value) implements PositionExpr {
    @Override
    public String toString() {
      return (value == Math.rint(value)) ? ((long) value) + "%" : SpecNumbers.format(value) + "%";
    }
  }

  /** Parses {@code 123} or {@code 12.5%}. */
  static PositionExpr parse(String token) throws PolicyException {
    String t = token.trim();
    if (t.endsWith("%")) {
      String number = t.substring(0, t.length() - 1).trim();
      Double pct = SpecNumbers.parseFloat(number);
      if (pct == null) {
        throw new PolicyException("invalid percent position '" + t + "'");
      }
      if (!(pct >= 0.0 && pct <= 100.0)) {
        throw new PolicyException(
            "percent position must be in [0,100], got " + SpecNumbers.format(pct) + " in '" + t + "'");
      }
      return new Percent(pct);
    }
    Long abs = SpecNumbers.parseUnsigned(t);
    if (abs == null) {
      throw new PolicyException("invalid absolute position '" + t + "'");
    }
    return new Absolute(abs);
  }

  /**
   * A rule boundary: percentages resolve to {@code floor(total × pct/100)}, and every boundary is
   * clamped to the total when it is known.
   */
  default long resolveBoundary(Long total, String where) throws PolicyException {
    if (this instanceof Absolute a) {
      return total == null ? a.value() : Math.min(a.value(), total);
    }
    return Math.min(resolvePercent(total, where), total);
  }

  /** A period or pattern span: percentages resolve as boundaries do, but nothing is clamped. */
  default long resolveSpan(Long total, String where) throws PolicyException {
    if (this instanceof Absolute a) {
      return a.value();
    }
    return resolvePercent(total, where);
  }

  private long resolvePercent(Long total, String where) throws PolicyException {
    Percent p = (Percent) this;
    if (total == null) {
      throw new PolicyException(
          "percent position '" + p + "' in " + where + " requires a known total number of positions");
    }
    return (long) Math.floor(((double) total) * (p.value() / 100.0));
  }
}
