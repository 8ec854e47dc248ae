/**
 * Weight sources that need no file: {@link dev.jprune.weights.Parity} (bit-exact parity values shared with the
 * PyTorch reference) and {@link dev.jprune.weights.RandomInit} (seeded). Everything is non-null unless stated.
 */
package dev.jprune.weights;
