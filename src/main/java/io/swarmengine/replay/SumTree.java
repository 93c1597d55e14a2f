package io.swarmengine.replay;

import java.util.Arrays;

/**
 * A sum tree over {@code capacity} non-negative leaf values: set a leaf, read the total, and find
 * the leaf where a prefix sum falls, each O(log n). The tree is 4-ary (a node's four children sit
 * side by side, 32 bytes), so a descent through a million leaves takes 10 steps and about as many
 * cache misses instead of 20. Every parent is recomputed from its children in a fixed order (never
 * adjusted by a delta), so the sums are a pure function of the leaves: rebuilding from the same
 * leaves gives bit-identical totals.
 *
 * <p>Layout: node 0 is the root, the children of node i are 4i+1..4i+4, the leaves start at
 * {@code firstLeaf}.
 */
final class SumTree {
  private final int firstLeaf;
  private final double[] nodes;

  SumTree(int capacity) {
    long leaves = 1;
    long inner = 0;
    while (leaves < capacity) {
      inner += leaves;
      leaves *= 4;
    }
    firstLeaf = (int) inner;
    nodes = new double[(int) (inner + leaves)];
  }

  void set(int slot, double value) {
    int i = firstLeaf + slot;
    nodes[i] = value;
    while (i > 0) {
      i = (i - 1) >> 2;
      int c = 4 * i + 1;
      nodes[i] = nodes[c] + nodes[c + 1] + nodes[c + 2] + nodes[c + 3];
    }
  }

  double get(int slot) {
    return nodes[firstLeaf + slot];
  }

  double total() {
    return nodes[0];
  }

  /**
   * The slot whose cumulative range holds {@code prefix} (0 ≤ prefix < total); a value at or past
   * the total (rounding) lands on the last slot with a positive value.
   */
  int find(double prefix) {
    int i = 0;
    double rest = prefix;
    while (i < firstLeaf) {
      int c = 4 * i + 1;
      int last = c;
      int pick = -1;
      for (int r = 0; r < 4; r++) {
        double v = nodes[c + r];
        if (v > 0) {
          last = c + r;
          if (rest < v) {
            pick = c + r;
            break;
          }
          rest -= v;
        }
      }
      i = pick >= 0 ? pick : last;
    }
    return i - firstLeaf;
  }

  /**
   * {@link #find} for many prefixes at once, descending level by level without branches on the
   * data: the lookups of one level are independent, so the processor overlaps their cache misses
   * instead of waiting on each (and mispredicting which child comes next).
   */
  void findAll(double[] prefixes, int[] out) {
    int n = prefixes.length;
    double[] rest = prefixes.clone();
    Arrays.fill(out, 0, n, 0);
    for (int depth = firstLeaf; depth > 0; depth = (depth - 1) >> 2) {
      for (int k = 0; k < n; k++) {
        int c = 4 * out[k] + 1;
        double r = rest[k];
        double s0 = nodes[c];
        double s1 = s0 + nodes[c + 1];
        double s2 = s1 + nodes[c + 2];
        int pick = (r >= s0 ? 1 : 0) + (r >= s1 ? 1 : 0) + (r >= s2 ? 1 : 0);
        double before = pick == 0 ? 0 : pick == 1 ? s0 : pick == 2 ? s1 : s2;
        rest[k] = r - before;
        out[k] = c + pick;
      }
    }
    for (int k = 0; k < n; k++) {
      // rounding can end a descent on an empty leaf: redo that one with the careful search
      if (nodes[out[k]] <= 0) {
        out[k] = find(prefixes[k]) + firstLeaf;
      }
      out[k] -= firstLeaf;
    }
  }

  /** Sets every leaf at once ({@code values[slot]}, missing ones 0) in O(n). */
  void build(double[] values) {
    Arrays.fill(nodes, 0);
    System.arraycopy(values, 0, nodes, firstLeaf, values.length);
    for (int i = firstLeaf - 1; i >= 0; i--) {
      int c = 4 * i + 1;
      nodes[i] = nodes[c] + nodes[c + 1] + nodes[c + 2] + nodes[c + 3];
    }
  }
}
