package dev.jprune.prune.importance;

import dev.jprune.depgraph.Group;

/**
 * Scores the channels of a pruning group: a lower score marks a channel to remove first.
 */
public interface Importance {

    /**
     * One score per root index of {@code group}, in the order of {@code group.rootIndices().indices()}
     * (ascending), each the reduction of the scores of every scored member slice that maps back to that root
     * index; {@code null} when no member of the group is scored (the pruner then leaves the group alone).
     */
    float[] score(Group group);
}
