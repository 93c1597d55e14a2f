package io.swarmengine.replay;

/**
 * Which item leaves a full replay (after any item too stale to sample): the oldest inserted
 * (Ape-X), or the lowest priority (seed 004).
 */
public enum EvictionPolicy {
  FIFO,
  LOWEST_PRIORITY
}
