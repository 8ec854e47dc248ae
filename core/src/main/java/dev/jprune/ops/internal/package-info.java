/**
 * Helpers shared by the operator classes of {@link dev.jprune.ops}: element-wise and broadcasting loops split into
 * fixed-size parallel blocks, the broadcasting arithmetic and its gradient reduction ({@code BroadcastSupport}),
 * normalization statistics and backward ({@code NormSupport}), pooling windows with their forward and backward loops
 * ({@code PoolSupport}), layout index arithmetic, special functions ({@code erf}) and Python-style formatting for
 * module reprs. Internal: users must not rely on these types. Everything is non-null
 * unless stated.
 */
package dev.jprune.ops.internal;
