/**
 * The operators, one class each: attributes, declared parameters, shape inference, forward and op count
 * (Torch-Pruning's formula). Everything is non-null unless stated.
 */
package dev.jprune.ops;
