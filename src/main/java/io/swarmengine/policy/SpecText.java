package io.swarmengine.policy;

import java.util.ArrayList;
import java.util.List;

/** The text operations of the spec parser: ASCII case folding and parenthesis-aware splitting. */
final class SpecText {
  private SpecText() {}

  /** Lower-cases ASCII letters only, as Rust's {@code to_ascii_lowercase}. */
  static String lower(String s) {
    StringBuilder b = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        if (b == null) {
          b = new StringBuilder(s);
        }
        b.setCharAt(i, (char) (c + ('a' - 'A')));
      }
    }
    return b == null ? s : b.toString();
  }

  /** Whether {@code a} equals {@code b} ignoring ASCII case. */
  static boolean equalsIgnoreAsciiCase(String a, String b) {
    return lower(a).equals(lower(b));
  }

  /** Splits on {@code delim} where it is not inside parentheses; refuses unbalanced ones. */
  static List<String> splitTopLevel(String input, char delim) throws PolicyException {
    List<String> parts = new ArrayList<>();
    int depth = 0;
    int start = 0;
    for (int i = 0; i < input.length(); i++) {
      char ch = input.charAt(i);
      if (ch == '(') {
        depth++;
      } else if (ch == ')') {
        depth--;
        if (depth < 0) {
          throw new PolicyException("unbalanced ')' in '" + input + "'");
        }
      } else if (ch == delim && depth == 0) {
        parts.add(input.substring(start, i));
        start = i + 1;
      }
    }
    if (depth != 0) {
      throw new PolicyException("unbalanced '(' in '" + input + "'");
    }
    parts.add(input.substring(start));
    return parts;
  }

  /** One {@code key=value} argument: the key lower-cased, both trimmed. */
  record Entry(String key, String value) {}

  /**
   * The {@code key=value} arguments of a comma-separated list (commas inside parentheses do not
   * split; empty items are skipped); an item without {@code =} is an error naming it as
   * {@code what}.
   */
  static List<Entry> keyValues(String list, String what) throws PolicyException {
    List<Entry> entries = new ArrayList<>();
    for (String raw : splitTopLevel(list, ',')) {
      String item = raw.trim();
      if (item.isEmpty()) {
        continue;
      }
      String[] kv = splitOnce(item, "=");
      if (kv == null) {
        throw new PolicyException("invalid " + what + " '" + item + "', expected key=value");
      }
      entries.add(new Entry(lower(kv[0].trim()), kv[1].trim()));
    }
    return entries;
  }

  /** The text before and after the first {@code sep}, or null when there is none. */
  static String[] splitOnce(String s, String sep) {
    int i = s.indexOf(sep);
    return i < 0 ? null : new String[] {s.substring(0, i), s.substring(i + sep.length())};
  }
}
