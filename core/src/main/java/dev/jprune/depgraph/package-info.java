/**
 * The dependency graph on tensor axes (DepGraph): from a layer and channel indices, every value axis and parameter
 * slice that must lose the same channels ({@link dev.jprune.depgraph.Group}), and pruning them all consistently.
 */
package dev.jprune.depgraph;
