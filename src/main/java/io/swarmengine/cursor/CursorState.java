package io.swarmengine.cursor;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.swarmengine.CborSerializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The policy cursor's state: the canonical spec and total it runs, the frontier (every position
 * below it has been handed out at least once), the completed positions, and the open leases.
 * Immutable; the event handler builds each next state with {@link #withSchedule} and
 * {@link #apply}.
 */
public record CursorState(
    String spec,
    Long total,
    long frontier,
    List<PositionRange> completed,
    List<OpenLease> leases,
    long nextLeaseId)
    implements CborSerializable {

  /** Positions handed to a worker until {@code expiresAtMillis}; completed ones leave the lease. */
  public record OpenLease(
      long id, String workerId, List<PositionRange> ranges, long expiresAtMillis)
      implements CborSerializable {
    long firstPosition() {
      return ranges.get(0).from();
    }
  }

  public CursorState {
    completed = List.copyOf(completed);
    leases = List.copyOf(leases);
  }

  static CursorState empty() {
    return new CursorState(null, null, 0, List.of(), List.of(), 1);
  }

  boolean runs(String otherSpec, Long otherTotal) {
    return Objects.equals(spec, otherSpec) && Objects.equals(total, otherTotal);
  }

  CursorState withSchedule(String newSpec, Long newTotal) {
    return new CursorState(newSpec, newTotal, frontier, completed, leases, nextLeaseId);
  }

  CursorState apply(PolicyCursor.Progressed event) {
    CursorState s = this;
    for (PolicyCursor.Completion c : event.completions()) {
      s = s.complete(c.from(), c.to());
    }
    for (PolicyCursor.Grant g : event.grants()) {
      s = s.grant(g);
    }
    return s;
  }

  private CursorState complete(long from, long to) {
    return new CursorState(
        spec,
        total,
        frontier,
        PositionRange.add(completed, from, to),
        withoutRange(leases, from, to),
        nextLeaseId);
  }

  private CursorState grant(PolicyCursor.Grant g) {
    List<OpenLease> others = leases;
    long newFrontier = frontier;
    for (PositionRange r : g.ranges()) {
      others = withoutRange(others, r.from(), r.to());
      newFrontier = Math.max(newFrontier, r.to());
    }
    List<OpenLease> out = new ArrayList<>(others);
    out.add(new OpenLease(g.leaseId(), g.workerId(), g.ranges(), g.expiresAtMillis()));
    return new CursorState(spec, total, newFrontier, completed, out, g.leaseId() + 1);
  }

  private static List<OpenLease> withoutRange(List<OpenLease> leases, long from, long to) {
    List<OpenLease> out = new ArrayList<>(leases.size());
    for (OpenLease lease : leases) {
      List<PositionRange> left = PositionRange.remove(lease.ranges(), from, to);
      if (!left.isEmpty()) {
        out.add(
            left.size() == lease.ranges().size() && left.equals(lease.ranges())
                ? lease
                : new OpenLease(lease.id(), lease.workerId(), left, lease.expiresAtMillis()));
      }
    }
    return out;
  }

  /**
   * Up to {@code max} positions for a new lease at {@code now}: first those of expired leases,
   * lowest first, then fresh ones from the frontier up to the total. Empty when none is free.
   */
  List<PositionRange> planLease(int max, long now) {
    long limit = total == null ? Long.MAX_VALUE : total;
    long remaining = max;
    List<PositionRange> out = new ArrayList<>();
    List<OpenLease> expired = new ArrayList<>();
    for (OpenLease lease : leases) {
      if (lease.expiresAtMillis() <= now) {
        expired.add(lease);
      }
    }
    expired.sort(Comparator.comparingLong(OpenLease::firstPosition));
    for (OpenLease lease : expired) {
      for (PositionRange r : lease.ranges()) {
        long to = Math.min(Math.min(r.to(), limit), r.from() + remaining);
        if (to > r.from()) {
          out = PositionRange.add(out, r.from(), to);
          remaining -= to - r.from();
        }
        if (remaining == 0) {
          return out;
        }
      }
    }
    if (frontier < limit) {
      out = PositionRange.add(out, frontier, frontier + Math.min(remaining, limit - frontier));
    }
    return out;
  }

  /** The earliest expiry of an open lease, or {@code Long.MAX_VALUE} when there is none. */
  long nextExpiry() {
    long next = Long.MAX_VALUE;
    for (OpenLease lease : leases) {
      next = Math.min(next, lease.expiresAtMillis());
    }
    return next;
  }

  /** Positions completed so far (within the total, when there is one). */
  @JsonIgnore
  public long completedCount() {
    return total == null ? PositionRange.count(completed) : PositionRange.overlap(completed, 0, total);
  }

  /** The lowest position not completed yet. */
  @JsonIgnore
  public long firstIncomplete() {
    return !completed.isEmpty() && completed.get(0).from() == 0 ? completed.get(0).to() : 0;
  }

  /** Whether every position of a known total is completed. */
  @JsonIgnore
  public boolean finished() {
    return total != null && completedCount() == total;
  }
}
