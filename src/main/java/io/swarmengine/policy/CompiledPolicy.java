package io.swarmengine.policy;

import java.util.ArrayList;
import java.util.List;

/**
 * A policy resolved against a total: every boundary is a position. Answers the action at a position
 * and, without visiting every position, the maximal runs of equal actions over a range.
 */
public final class CompiledPolicy {

  /**
   * One resolved rule over {@code [start, end)}. An interval has {@code period == 0} and one action;
   * a repeat has a period, its pattern's cumulative {@code segmentEnds} (the last is
   * {@code patternTotal}) and one action per segment.
   */
  record Rule(
      long start,
      long end,
      long period,
      long patternTotal,
      long[] segmentEnds,
      List<PolicyAction> actions) {

    boolean contains(long pos) {
      return pos >= start && pos < end;
    }

    PolicyAction actionAt(long pos) {
      if (period == 0) {
        return actions.get(0);
      }
      long phase = (pos - start) % period;
      if (phase >= patternTotal) {
        return PolicyAction.INFER;
      }
      for (int i = 0; i < segmentEnds.length; i++) {
        if (phase < segmentEnds[i]) {
          return actions.get(i);
        }
      }
      return PolicyAction.INFER;
    }

    /** Where the interval, or the pattern segment of the repeat, holding {@code pos} starts. */
    long segmentStart(long pos) {
      if (period == 0) {
        return start;
      }
      long phase = (pos - start) % period;
      long segmentBegin = 0;
      for (long segmentEnd : segmentEnds) {
        if (phase < segmentEnd) {
          break;
        }
        segmentBegin = segmentEnd;
      }
      return pos - phase + Math.min(segmentBegin, phase);
    }

    /** The first position after {@code pos} where this rule's containment or action may change. */
    long nextBoundary(long pos) {
      if (pos < start) {
        return start;
      }
      if (pos >= end) {
        return Long.MAX_VALUE;
      }
      if (period == 0) {
        return end;
      }
      long phase = (pos - start) % period;
      long phaseEnd = period;
      for (long segmentEnd : segmentEnds) {
        if (phase < segmentEnd) {
          phaseEnd = Math.min(segmentEnd, period);
          break;
        }
      }
      return Math.min(end, saturatingAdd(pos - phase, phaseEnd));
    }
  }

  /** A maximal range {@code [from, to)} of positions with the same action. */
  public record Run(long from, long to, PolicyAction action) implements io.swarmengine.CborSerializable {
    public long length() {
      return to - from;
    }
  }

  private final List<Rule> rules;

  CompiledPolicy(List<Rule> rules) {
    this.rules = List.copyOf(rules);
  }

  /** The action of the first rule that contains {@code position}; infer when none does. */
  public PolicyAction actionAt(long position) {
    for (Rule rule : rules) {
      if (rule.contains(position)) {
        return rule.actionAt(position);
      }
    }
    return PolicyAction.INFER;
  }

  /**
   * The first position after {@code position} where the action may change ({@code Long.MAX_VALUE}
   * when it never does). The action is the same at every position in between.
   */
  public long nextBoundary(long position) {
    long next = Long.MAX_VALUE;
    for (Rule rule : rules) {
      next = Math.min(next, rule.nextBoundary(position));
    }
    return next;
  }

  /** The maximal runs of equal actions covering {@code [from, to)}, in order. */
  public List<Run> runs(long from, long to) {
    List<Run> out = new ArrayList<>();
    long pos = from;
    while (pos < to) {
      PolicyAction action = actionAt(pos);
      long end = Math.min(nextBoundary(pos), to);
      while (end < to && actionAt(end).equals(action)) {
        end = Math.min(nextBoundary(end), to);
      }
      out.add(new Run(pos, end, action));
      pos = end;
    }
    return out;
  }

  /**
   * The first position of the segment that holds {@code position}: the run of equal actions it
   * belongs to, not reaching back before the rule (or the repeat's pattern segment) it comes from.
   * A train action's {@code stride} counts from here.
   */
  public long segmentStart(long position) {
    long candidate = 0;
    for (Rule rule : rules) {
      if (rule.contains(position)) {
        candidate = rule.segmentStart(position);
        break;
      }
    }
    List<Run> upTo = runs(candidate, position + 1);
    return upTo.get(upTo.size() - 1).from();
  }

  /**
   * The first position after the segment that holds {@code position} ({@link #segmentStart});
   * {@code Long.MAX_VALUE} when the segment never ends.
   */
  public long segmentEnd(long position) {
    long start = segmentStart(position);
    long end = nextBoundary(position);
    while (end != Long.MAX_VALUE && segmentStart(end) == start) {
      end = nextBoundary(end);
    }
    return end;
  }

  /**
   * Whether {@code position} calls for a training step: it is a train position and the
   * {@code stride}-th, 2·{@code stride}-th, … position of its segment.
   */
  public boolean trainsAt(long position) {
    return actionAt(position) instanceof PolicyAction.Train train
        && (position - segmentStart(position) + 1) % train.stride() == 0;
  }

  /** How many positions before {@code position} call for a training step ({@link #trainsAt}). */
  public long trainStepsBefore(long position) {
    long steps = 0;
    for (Run run : runs(0, position)) {
      if (run.action() instanceof PolicyAction.Train train) {
        long start = segmentStart(run.from());
        steps += Math.floorDiv(run.to() - start, train.stride()) - Math.floorDiv(run.from() - start, train.stride());
      }
    }
    return steps;
  }

  /**
   * The last position in {@code [from, to)} that calls for a training step, or -1 when none does:
   * a binary search on {@link #trainStepsBefore}, so a long schedule costs no walk.
   */
  public long lastStepBefore(long from, long to) {
    long stepsBelowTo = trainStepsBefore(to);
    if (from >= to || trainStepsBefore(from) == stepsBelowTo) {
      return -1;
    }
    long lo = from; // trainStepsBefore(lo) < stepsBelowTo
    long hi = to; // trainStepsBefore(hi) == stepsBelowTo
    while (hi - lo > 1) {
      long mid = lo + (hi - lo) / 2;
      if (trainStepsBefore(mid) < stepsBelowTo) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return hi - 1; // the first x with every step below to before it is one past the last step
  }

  private static long saturatingAdd(long a, long b) {
    long sum = a + b;
    return sum < 0 ? Long.MAX_VALUE : sum;
  }
}
