package io.swarmengine.policy;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * Which parameter groups a train action updates: {@code all}, {@code none}, or a sorted,
 * deduplicated list of named scopes. The names a spec may use are given by the model.
 */
public final class TrainScope {
  /** The scopes of the GPT-2 model. */
  public static final List<String> GPT2_SCOPES =
      List.of("embed", "attn_norm", "ffn_norm", "attn", "ffn", "head", "bias", "all", "none");

  private static final TrainScope ALL = new TrainScope(true, List.of());
  private static final TrainScope NONE = new TrainScope(false, List.of());

  private final boolean all;
  private final List<String> names;

  private TrainScope(boolean all, List<String> names) {
    this.all = all;
    this.names = names;
  }

  public static TrainScope all() {
    return ALL;
  }

  public static TrainScope none() {
    return NONE;
  }

  /**
   * Parses {@code all}, {@code none} or names separated by {@code +}, {@code |} or {@code /}
   * (case-insensitive; blanks and empty items ignored).
   */
  public static TrainScope parse(String value, List<String> allowedScopes) throws PolicyException {
    String v = SpecText.lower(value.trim());
    if (v.isEmpty()) {
      throw new PolicyException("empty train scope");
    }
    if (v.equals("all")) {
      return ALL;
    }
    if (v.equals("none")) {
      return NONE;
    }
    TreeSet<String> out = new TreeSet<>();
    for (String token : v.split("[+|/]", -1)) {
      String t = token.trim();
      if (t.isEmpty()) {
        continue;
      }
      if (!allowedScopes.contains(t)) {
        throw new PolicyException(
            "unknown train scope '" + t + "', allowed: " + String.join(",", allowedScopes));
      }
      if (t.equals("all") || t.equals("none")) {
        throw new PolicyException("scope list cannot mix '" + t + "' with named scopes");
      }
      out.add(t);
    }
    return out.isEmpty() ? NONE : new TrainScope(false, List.copyOf(out));
  }

  /** Reads a canonical form back (JSON); the names are trusted to come from a parsed spec. */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  static TrainScope fromCanonical(String canonical) {
    if (canonical.equals("all")) {
      return ALL;
    }
    if (canonical.equals("none")) {
      return NONE;
    }
    return new TrainScope(false, List.copyOf(new TreeSet<>(Arrays.asList(canonical.split("\\+")))));
  }

  public boolean isAll() {
    return all;
  }

  public boolean isNone() {
    return !all && names.isEmpty();
  }

  public boolean contains(String name) {
    return all || names.contains(name);
  }

  /** The named scopes, sorted; empty for {@code all} and {@code none}. */
  public List<String> names() {
    return names;
  }

  /** {@code all}, {@code none}, or the names joined by {@code +}. */
  @JsonValue
  public String canonical() {
    if (all) {
      return "all";
    }
    return names.isEmpty() ? "none" : String.join("+", names);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TrainScope other && all == other.all && names.equals(other.names);
  }

  @Override
  public int hashCode() {
    return Boolean.hashCode(all) * 31 + names.hashCode();
  }

  @Override
  public String toString() {
    return canonical();
  }
}
