package io.swarmengine.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A parsed policy: {@code [policy:]load_from=PATH,schedule=RULE|RULE|...}. Rules are tried in order
 * and the first that contains a position decides its action; a position no rule contains infers.
 *
 * <pre>
 * schedule=0..200:infer|200..100%:train(scope=attn+ffn,opt=adam,lr=3e-4,stride=8,clip=1.0)
 * schedule=repeat(0..100%,period=100,pattern=90:infer+10:train(scope=attn,opt=sgd,lr=0.01))
 * </pre>
 */
public record PolicySpec(Optional<String> loadFrom, List<ScheduleRule> schedule) {

  public PolicySpec {
    schedule = List.copyOf(schedule);
  }

  /** Parses a spec against the scopes the model allows (for GPT-2: {@link TrainScope#GPT2_SCOPES}). */
  public static PolicySpec parse(String spec, List<String> allowedScopes) throws PolicyException {
    String trimmed = spec.trim();
    String body = (trimmed.startsWith("policy:") ? trimmed.substring("policy:".length()) : trimmed)
        .trim();
    if (body.isEmpty()) {
      throw new PolicyException("empty policy segment");
    }
    String loadFrom = null;
    String scheduleText = null;
    for (SpecText.Entry entry : SpecText.keyValues(body, "policy key/value pair")) {
      String key = entry.key();
      String val = entry.value();
      switch (key) {
        case "load_from" -> {
          if (val.isEmpty()) {
            throw new PolicyException("policy load_from must not be empty");
          }
          loadFrom = val;
        }
        case "schedule" -> {
          if (val.isEmpty()) {
            throw new PolicyException("policy schedule must not be empty");
          }
          scheduleText = val;
        }
        default -> throw new PolicyException(
            "unknown policy key '" + key + "', expected load_from or schedule");
      }
    }
    if (scheduleText == null) {
      throw new PolicyException("policy requires schedule=...");
    }
    List<ScheduleRule> rules = new ArrayList<>();
    for (String rawToken : SpecText.splitTopLevel(scheduleText, '|')) {
      String token = rawToken.trim();
      if (!token.isEmpty()) {
        rules.add(ScheduleRule.parse(token, allowedScopes));
      }
    }
    if (rules.isEmpty()) {
      throw new PolicyException("policy schedule must contain at least one rule");
    }
    return new PolicySpec(Optional.ofNullable(loadFrom), rules);
  }

  /** Whether any rule can train (the seed's {@code policy_can_train}). */
  public boolean canTrain() {
    for (ScheduleRule rule : schedule) {
      if (rule instanceof ScheduleRule.Interval i && i.action() instanceof PolicyAction.Train) {
        return true;
      }
      if (rule instanceof ScheduleRule.Repeat r
          && r.pattern().stream().anyMatch(s -> s.action() instanceof PolicyAction.Train)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Resolves the rules against the run's total positions, or against no total ({@code null}), in
   * which case any percentage is an error.
   */
  public CompiledPolicy compile(Long total) throws PolicyException {
    if (total != null && total < 0) {
      throw new PolicyException("total positions must be >= 0, got " + total);
    }
    List<CompiledPolicy.Rule> out = new ArrayList<>(schedule.size());
    for (int index = 0; index < schedule.size(); index++) {
      ScheduleRule rule = schedule.get(index);
      String where = "rule " + (index + 1) + " '" + rule.canonical() + "'";
      if (rule instanceof ScheduleRule.Interval r) {
        long start = r.start().resolveBoundary(total, where);
        long end = r.end().resolveBoundary(total, where);
        if (end <= start) {
          throw new PolicyException(
              "invalid interval with end <= start (" + start + ".." + end + ") in " + where);
        }
        out.add(new CompiledPolicy.Rule(start, end, 0, 0, new long[0], List.of(r.action())));
      } else {
        ScheduleRule.Repeat r = (ScheduleRule.Repeat) rule;
        long start = r.start().resolveBoundary(total, where);
        long end = r.end().resolveBoundary(total, where);
        if (end <= start) {
          throw new PolicyException(
              "invalid repeat interval with end <= start (" + start + ".." + end + ") in " + where);
        }
        long period = r.period().resolveSpan(total, where);
        if (period == 0) {
          throw new PolicyException("repeat period must be > 0 in " + where);
        }
        long[] segmentEnds = new long[r.pattern().size()];
        List<PolicyAction> actions = new ArrayList<>(segmentEnds.length);
        long acc = 0;
        for (int j = 0; j < segmentEnds.length; j++) {
          ScheduleRule.RepeatSegment segment = r.pattern().get(j);
          long span = segment.span().resolveSpan(total, where);
          if (span == 0) {
            throw new PolicyException(
                "repeat pattern segment span must be > 0 (segment " + (j + 1) + ") in " + where);
          }
          acc = saturatingAdd(acc, span);
          segmentEnds[j] = acc;
          actions.add(segment.action());
        }
        out.add(new CompiledPolicy.Rule(start, end, period, acc, segmentEnds, actions));
      }
    }
    return new CompiledPolicy(out);
  }

  /** The spec's canonical text: parsing it gives a policy with the same action at every position. */
  public String canonical() {
    StringBuilder out = new StringBuilder();
    loadFrom.ifPresent(path -> out.append("load_from=").append(path).append(','));
    out.append("schedule=");
    for (int i = 0; i < schedule.size(); i++) {
      if (i > 0) {
        out.append('|');
      }
      out.append(schedule.get(i).canonical());
    }
    return out.toString();
  }

  private static long saturatingAdd(long a, long b) {
    long sum = a + b;
    return sum < 0 ? Long.MAX_VALUE : sum;
  }
}
