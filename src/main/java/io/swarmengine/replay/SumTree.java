package io.swarmengine.replay;

import java.util.Arrays;

/**
 * A sum tree over {@code capacity} non-negative leaf values: set a leaf, read the total, and find
 * the leaf where a prefix sum falls, each O(log n). Every parent is recomputed from its two
 * children (never adjusted by a delta), so the sums are a pure function of the leaves: rebuilding
 * from the same leaves gives bit-identical totals.
 */
final class SumTree {
  private final int leaves;
  private final double[] nodes;

  SumTree(int capacity) {
    int size = 1;
    while (size < capacity) {
      size <<= 1;
    }
    leaves = size;
    nodes = new double[2 * size];
  }

  void set(int slot, double value) {
    int i = slot + leaves;
    nodes[i] = value;
    for (i >>= 1; i >= 1; i >>= 1) {
      nodes[i] = nodes[2 * i] + nodes[2 * i + 1];
    }
  }

  double get(int slot) {
    return nodes[slot + leaves];
  }

  double total() {
    return nodes[1];
  }

  /**
   * The slot whose cumulative range holds {@code prefix} (0 ≤ prefix < total); a value at or past
   * the total (rounding) lands on the last slot with a positive value.
   */
  int find(double prefix) {
    int i = 1;
    while (i < leaves) {
      int left = 2 * i;
      if (prefix < nodes[left] || nodes[left + 1] <= 0) {
        i = left;
      } else {
        prefix -= nodes[left];
        i = left + 1;
      }
    }
    return i - leaves;
  }

  /**
   * {@link #find} for many prefixes at once, descending level by level: the lookups of one level
   * are independent, so the processor overlaps their cache misses instead of waiting on each.
   */
  void findAll(double[] prefixes, int[] out) {
    int n = prefixes.length;
    double[] rest = prefixes.clone();
    int[] node = out;
    java.util.Arrays.fill(node, 0, n, 1);
    while (node[0] < leaves) {
      for (int k = 0; k < n; k++) {
        int left = 2 * node[k];
        double l = nodes[left];
        if (rest[k] < l || nodes[left + 1] <= 0) {
          node[k] = left;
        } else {
          rest[k] -= l;
          node[k] = left + 1;
        }
      }
    }
    for (int k = 0; k < n; k++) {
      node[k] -= leaves;
    }
  }

  /** Sets every leaf at once ({@code values[slot]}, missing ones 0) in O(n). */
  void build(double[] values) {
    Arrays.fill(nodes, 0);
    System.arraycopy(values, 0, nodes, leaves, values.length);
    for (int i = leaves - 1; i >= 1; i--) {
      nodes[i] = nodes[2 * i] + nodes[2 * i + 1];
    }
  }
}
