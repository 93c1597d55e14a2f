package io.swarmengine.cursor;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.swarmengine.CborSerializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The policy cursor's state: the canonical spec and total it runs, the frontier (every position
 * below it has been handed out at least once), the completed positions, and the open leases.
 * Immutable; the event handler builds each next state with {@link #withSchedule}, {@link #apply}
 * and {@link #expire}.
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

  /** How many leases of {@code workerIds} are still open at {@code atMillis}. */
  int openLeasesOf(Set<String> workerIds, long atMillis) {
    int open = 0;
    for (OpenLease lease : leases) {
      if (openFor(lease, workerIds, atMillis)) {
        open++;
      }
    }
    return open;
  }

  /** This state with the open leases of {@code workerIds} due back at {@code atMillis} at the latest. */
  CursorState expire(Set<String> workerIds, long atMillis) {
    List<OpenLease> out = new ArrayList<>(leases.size());
    for (OpenLease lease : leases) {
      out.add(openFor(lease, workerIds, atMillis) ? new OpenLease(lease.id(), lease.workerId(), lease.ranges(), atMillis) : lease);
    }
    return new CursorState(spec, total, frontier, completed, out, nextLeaseId);
  }

  private static boolean openFor(OpenLease lease, Set<String> workerIds, long atMillis) {
    return workerIds.contains(lease.workerId()) && lease.expiresAtMillis() > atMillis;
  }

  CursorState apply(PolicyCursor.Progressed event) {
    Builder b = new Builder(this);
    b.apply(event);
    return b.build();
  }

  /**
   * A mutable working copy for applying many completions and grants at once: indexed by range and
   * by expiry, so a batch of k commands over n open leases costs O(n + k log n), not O(n·k).
   */
  static final class Builder {
    private final String spec;
    private final Long total;
    private long frontier;
    private List<PositionRange> completed;
    private long nextLeaseId;
    private final Map<Long, OpenLease> leases = new HashMap<>();
    /** First position of every leased range → the lease holding it. */
    private final TreeMap<Long, Long> rangeOwners = new TreeMap<>();
    /** Leases by expiry, then id. */
    private final TreeSet<OpenLease> byExpiry =
        new TreeSet<>(Comparator.comparingLong(OpenLease::expiresAtMillis).thenComparingLong(OpenLease::id));

    Builder(CursorState s) {
      spec = s.spec;
      total = s.total;
      frontier = s.frontier;
      completed = s.completed;
      nextLeaseId = s.nextLeaseId;
      for (OpenLease lease : s.leases) {
        put(lease);
      }
    }

    private void put(OpenLease lease) {
      leases.put(lease.id(), lease);
      byExpiry.add(lease);
      for (PositionRange r : lease.ranges()) {
        rangeOwners.put(r.from(), lease.id());
      }
    }

    private void drop(OpenLease lease) {
      leases.remove(lease.id());
      byExpiry.remove(lease);
      for (PositionRange r : lease.ranges()) {
        rangeOwners.remove(r.from());
      }
    }

    void apply(PolicyCursor.Progressed event) {
      for (PolicyCursor.Completion c : event.completions()) {
        complete(c.from(), c.to());
      }
      for (PolicyCursor.Grant g : event.grants()) {
        grant(g);
      }
    }

    void complete(long from, long to) {
      completed = PositionRange.add(completed, from, to);
      release(from, to);
    }

    void grant(PolicyCursor.Grant g) {
      for (PositionRange r : g.ranges()) {
        // only positions below the frontier can be in another (expired) lease
        if (r.from() < frontier) {
          release(r.from(), Math.min(r.to(), frontier));
        }
        frontier = Math.max(frontier, r.to());
      }
      put(new OpenLease(g.leaseId(), g.workerId(), g.ranges(), g.expiresAtMillis()));
      nextLeaseId = g.leaseId() + 1;
    }

    /** Takes {@code [from, to)} out of whichever leases hold it. */
    private void release(long from, long to) {
      Long start = rangeOwners.floorKey(from);
      Set<Long> owners = new LinkedHashSet<>();
      for (Long leaseId : rangeOwners.subMap(start == null ? from : start, true, to, false).values()) {
        owners.add(leaseId);
      }
      for (Long leaseId : owners) {
        OpenLease lease = leases.get(leaseId);
        if (PositionRange.overlap(lease.ranges(), from, to) == 0) {
          continue;
        }
        drop(lease);
        List<PositionRange> left = PositionRange.remove(lease.ranges(), from, to);
        if (!left.isEmpty()) {
          put(new OpenLease(lease.id(), lease.workerId(), left, lease.expiresAtMillis()));
        }
      }
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
      for (OpenLease lease : byExpiry) {
        if (lease.expiresAtMillis() > now) {
          break;
        }
        expired.add(lease);
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
      return byExpiry.isEmpty() ? Long.MAX_VALUE : byExpiry.first().expiresAtMillis();
    }

    long frontier() {
      return frontier;
    }

    long nextLeaseId() {
      return nextLeaseId;
    }

    List<PositionRange> completed() {
      return completed;
    }

    boolean finished() {
      return total != null && PositionRange.overlap(completed, 0, total) == total;
    }

    CursorState build() {
      List<OpenLease> ordered = new ArrayList<>(leases.values());
      ordered.sort(Comparator.comparingLong(OpenLease::id));
      return new CursorState(spec, total, frontier, completed, ordered, nextLeaseId);
    }
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
