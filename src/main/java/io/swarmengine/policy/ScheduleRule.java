package io.swarmengine.policy;

import java.util.ArrayList;
import java.util.List;

/** One rule of a schedule, as written: an interval with one action, or a repeating pattern. */
public sealed interface ScheduleRule {

  /** The rule's canonical text. */
  String canonical();

  /** {@code start..end:action}. */
  record Interval(PositionExpr start, PositionExpr end, PolicyAction action)
      implements ScheduleRule {
    @Override
    public String canonical() {
      return start + ".." + end + ":" + action.canonical();
    }
  }

  /** {@code span:action} inside a repeat's pattern. */
  record RepeatSegment(PositionExpr span, PolicyAction action) {}

  /**
   * {@code repeat(start..end,period=P,pattern=span:action+span:action...)}: inside the range, each
   * period starts the pattern again; phases past the pattern's total length infer.
   */
  record Repeat(
      PositionExpr start, PositionExpr end, PositionExpr period, List<RepeatSegment> pattern)
      implements ScheduleRule {
    public Repeat {
      pattern = List.copyOf(pattern);
    }

    @Override
    public String canonical() {
      StringBuilder out = new StringBuilder("repeat(");
      out.append(start).append("..").append(end).append(",period=").append(period);
      out.append(",pattern=");
      for (int j = 0; j < pattern.size(); j++) {
        if (j > 0) {
          out.append('+');
        }
        out.append(pattern.get(j).span()).append(':').append(pattern.get(j).action().canonical());
      }
      return out.append(')').toString();
    }
  }

  /** Parses one {@code |}-separated token of a schedule. */
  static ScheduleRule parse(String token, List<String> allowedScopes) throws PolicyException {
    return token.startsWith("repeat(")
        ? parseRepeat(token, allowedScopes)
        : parseInterval(token, allowedScopes);
  }

  private static Interval parseInterval(String token, List<String> allowedScopes)
      throws PolicyException {
    String[] parts = SpecText.splitOnce(token, ":");
    if (parts == null) {
      throw new PolicyException(
          "invalid schedule rule '" + token + "', expected <start>..<end>:<action>");
    }
    PositionExpr[] range = parseRange(parts[0]);
    return new Interval(range[0], range[1], PolicyAction.parse(parts[1], allowedScopes));
  }

  private static Repeat parseRepeat(String token, List<String> allowedScopes)
      throws PolicyException {
    if (!token.endsWith(")")) {
      throw new PolicyException(
          "invalid repeat rule '"
              + token
              + "', expected repeat(<start>..<end>,period=...,pattern=...)");
    }
    String inner = token.substring("repeat(".length(), token.length() - 1);
    List<String> args = SpecText.splitTopLevel(inner, ',');
    PositionExpr[] range = parseRange(args.get(0).trim());
    String rest = String.join(",", args.subList(1, args.size()));
    PositionExpr period = null;
    List<RepeatSegment> pattern = null;
    for (SpecText.Entry arg : SpecText.keyValues(rest, "repeat argument")) {
      String key = arg.key();
      String val = arg.value();
      switch (key) {
        case "period" -> period = PositionExpr.parse(val);
        case "pattern" -> pattern = parsePattern(val, allowedScopes);
        default -> throw new PolicyException(
            "unknown repeat key '" + key + "' in '" + token + "', expected period or pattern");
      }
    }
    if (period == null) {
      throw new PolicyException("repeat rule '" + token + "' requires period=...");
    }
    if (pattern == null) {
      throw new PolicyException("repeat rule '" + token + "' requires pattern=...");
    }
    if (pattern.isEmpty()) {
      throw new PolicyException("repeat pattern must not be empty in '" + token + "'");
    }
    return new Repeat(range[0], range[1], period, pattern);
  }

  private static List<RepeatSegment> parsePattern(String val, List<String> allowedScopes)
      throws PolicyException {
    List<RepeatSegment> segments = new ArrayList<>();
    for (String rawSegment : SpecText.splitTopLevel(val, '+')) {
      String s = rawSegment.trim();
      if (s.isEmpty()) {
        continue;
      }
      String[] parts = SpecText.splitOnce(s, ":");
      if (parts == null) {
        throw new PolicyException(
            "invalid repeat pattern segment '" + s + "', expected <span>:<action>");
      }
      segments.add(
          new RepeatSegment(
              PositionExpr.parse(parts[0].trim()),
              PolicyAction.parse(parts[1].trim(), allowedScopes)));
    }
    return segments;
  }

  private static PositionExpr[] parseRange(String range) throws PolicyException {
    String[] parts = SpecText.splitOnce(range, "..");
    if (parts == null) {
      throw new PolicyException("invalid range '" + range + "', expected <start>..<end>");
    }
    return new PositionExpr[] {PositionExpr.parse(parts[0]), PositionExpr.parse(parts[1])};
  }
}
