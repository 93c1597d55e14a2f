package io.swarmengine.replay;

import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * A min tree over {@code capacity} leaf keys (empty leaves hold +∞): set a key and find the slot
 * of the smallest, O(log n); visit every slot below a threshold in O(k log n).
 */
final class MinTree {
  private final int leaves;
  private final double[] nodes;

  MinTree(int capacity) {
    int size = 1;
    while (size < capacity) {
      size <<= 1;
    }
    leaves = size;
    nodes = new double[2 * size];
    Arrays.fill(nodes, Double.POSITIVE_INFINITY);
  }

  void set(int slot, double key) {
    int i = slot + leaves;
    nodes[i] = key;
    for (i >>= 1; i >= 1; i >>= 1) {
      double min = Math.min(nodes[2 * i], nodes[2 * i + 1]);
      if (nodes[i] == min) {
        return; // nothing above changes either
      }
      nodes[i] = min;
    }
  }

  /** Sets every leaf at once ({@code keys[slot]}, missing ones +∞) in O(n). */
  void build(double[] keys) {
    Arrays.fill(nodes, Double.POSITIVE_INFINITY);
    System.arraycopy(keys, 0, nodes, leaves, keys.length);
    for (int i = leaves - 1; i >= 1; i--) {
      nodes[i] = Math.min(nodes[2 * i], nodes[2 * i + 1]);
    }
  }

  double get(int slot) {
    return nodes[slot + leaves];
  }

  void clear(int slot) {
    set(slot, Double.POSITIVE_INFINITY);
  }

  double min() {
    return nodes[1];
  }

  /** The slot of the smallest key, or -1 when every leaf is empty. */
  int argMin() {
    if (nodes[1] == Double.POSITIVE_INFINITY) {
      return -1;
    }
    int i = 1;
    while (i < leaves) {
      i = nodes[2 * i] <= nodes[2 * i + 1] ? 2 * i : 2 * i + 1;
    }
    return i - leaves;
  }

  /** Calls {@code visitor} with every slot whose key is below {@code threshold}. */
  void forEachBelow(double threshold, IntConsumer visitor) {
    visit(1, threshold, visitor);
  }

  /** The slots whose key is below {@code threshold}, in slot order. */
  int[] slotsBelow(double threshold) {
    Slots found = new Slots();
    visit(1, threshold, found);
    return Arrays.copyOf(found.slots, found.count);
  }

  private static final class Slots implements IntConsumer {
    int[] slots = new int[16];
    int count;

    @Override
    public void accept(int slot) {
      if (count == slots.length) {
        slots = Arrays.copyOf(slots, 2 * count);
      }
      slots[count++] = slot;
    }
  }

  private void visit(int node, double threshold, IntConsumer visitor) {
    if (nodes[node] >= threshold) {
      return;
    }
    if (node >= leaves) {
      visitor.accept(node - leaves);
      return;
    }
    visit(2 * node, threshold, visitor);
    visit(2 * node + 1, threshold, visitor);
  }
}
