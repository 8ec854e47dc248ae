/**
 * The graph IR: {@link dev.jprune.ir.Graph} of {@link dev.jprune.ir.Node}s applying {@link dev.jprune.ir.Op}s to
 * {@link dev.jprune.ir.Value}s, with named {@link dev.jprune.ir.Parameter}s as in a PyTorch {@code state_dict},
 * built with {@link dev.jprune.ir.GraphBuilder}. Everything is non-null unless stated.
 */
package dev.jprune.ir;
