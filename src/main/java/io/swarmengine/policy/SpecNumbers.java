package io.swarmengine.policy;

import java.math.BigDecimal;
import java.util.regex.Pattern;

/**
 * Number syntax of the schedule language, as the seed's Rust parser accepts it ({@code u64},
 * {@code usize}, {@code f32}, {@code f64} from {@code str::parse}), and its printing, as Rust's
 * {@code Display} writes floats: the shortest digits that read back to the same value, never an
 * exponent. Java's own parsers are laxer ({@code "1.0f"}, hex floats, surrounding blanks), so they
 * only ever see text that matched these patterns.
 */
final class SpecNumbers {
  private static final Pattern UNSIGNED = Pattern.compile("\\+?[0-9]+");
  private static final Pattern DECIMAL =
      Pattern.compile("[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?");
  private static final Pattern NON_FINITE =
      Pattern.compile("[+-]?(inf|infinity|nan)", Pattern.CASE_INSENSITIVE);

  private SpecNumbers() {}

  /** An unsigned integer that fits a Java {@code long}, or null. */
  static Long parseUnsigned(String text) {
    if (!UNSIGNED.matcher(text).matches()) {
      return null;
    }
    try {
      return Long.parseLong(text.startsWith("+") ? text.substring(1) : text);
    } catch (NumberFormatException tooLarge) {
      return null;
    }
  }

  /** A float literal as Rust reads one (including inf and NaN), or null. */
  static Double parseFloat(String text) {
    if (NON_FINITE.matcher(text).matches()) {
      boolean negative = text.startsWith("-");
      String word = SpecText.lower(text.replaceFirst("^[+-]", ""));
      if (word.equals("nan")) {
        return Double.NaN;
      }
      return negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    }
    if (!DECIMAL.matcher(text).matches()) {
      return null;
    }
    return Double.parseDouble(text);
  }

  /** Rust's {@code Display} of an {@code f32}: shortest round-trip digits, plain notation. */
  static String format(float value) {
    return Float.isFinite(value) && value != 0f ? plain(Float.toString(value)) : format((double) value);
  }

  /** Rust's {@code Display} of an {@code f64}, as {@link #format(float)}. */
  static String format(double value) {
    if (Double.isNaN(value)) {
      return "NaN";
    }
    if (Double.isInfinite(value)) {
      return value > 0 ? "inf" : "-inf";
    }
    if (value == 0d) {
      return (Double.doubleToRawLongBits(value) < 0) ? "-0" : "0";
    }
    return plain(Double.toString(value));
  }

  private static String plain(String javaDigits) {
    return new BigDecimal(javaDigits).stripTrailingZeros().toPlainString();
  }
}
