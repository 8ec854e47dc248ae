/**
 * Operation and parameter counting with Torch-Pruning's formulas ({@link dev.jprune.count.OpCounter}).
 * Everything is non-null unless stated.
 */
package dev.jprune.count;
