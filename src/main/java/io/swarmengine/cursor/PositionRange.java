package io.swarmengine.cursor;

import io.swarmengine.CborSerializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Positions {@code [from, to)}. The static methods treat a {@code List<PositionRange>} as a set:
 * sorted, disjoint and with no two ranges touching.
 */
public record PositionRange(long from, long to) implements CborSerializable {

  public long length() {
    return to - from;
  }

  /** The set {@code set ∪ [from, to)}. */
  static List<PositionRange> add(List<PositionRange> set, long from, long to) {
    List<PositionRange> out = new ArrayList<>(set.size() + 1);
    long newFrom = from;
    long newTo = to;
    int i = 0;
    while (i < set.size() && set.get(i).to < newFrom) {
      out.add(set.get(i++));
    }
    while (i < set.size() && set.get(i).from <= newTo) {
      newFrom = Math.min(newFrom, set.get(i).from);
      newTo = Math.max(newTo, set.get(i).to);
      i++;
    }
    out.add(new PositionRange(newFrom, newTo));
    while (i < set.size()) {
      out.add(set.get(i++));
    }
    return List.copyOf(out);
  }

  /** The set {@code set \ [from, to)}. */
  static List<PositionRange> remove(List<PositionRange> set, long from, long to) {
    List<PositionRange> out = new ArrayList<>(set.size() + 1);
    for (PositionRange r : set) {
      if (r.to <= from || r.from >= to) {
        out.add(r);
        continue;
      }
      if (r.from < from) {
        out.add(new PositionRange(r.from, from));
      }
      if (r.to > to) {
        out.add(new PositionRange(to, r.to));
      }
    }
    return List.copyOf(out);
  }

  /** How many positions of {@code [from, to)} the set holds. */
  static long overlap(List<PositionRange> set, long from, long to) {
    long n = 0;
    for (PositionRange r : set) {
      n += Math.max(0, Math.min(r.to, to) - Math.max(r.from, from));
    }
    return n;
  }

  /** Positions in the set. */
  static long count(List<PositionRange> set) {
    long n = 0;
    for (PositionRange r : set) {
      n += r.length();
    }
    return n;
  }
}
