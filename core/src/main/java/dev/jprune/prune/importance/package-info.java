/**
 * Importance criteria: a score per channel of a pruning group, with Torch-Pruning 1.6's meaning (see
 * {@code reference/TP-SEMANTICS.md} §1.1). {@link dev.jprune.prune.importance.GroupImportance} holds the common
 * structure — per-member scores from {@link dev.jprune.ir.axis.ChannelParams}, a
 * {@link dev.jprune.prune.importance.Reduction} onto the root channels, a
 * {@link dev.jprune.prune.importance.Normalizer} — shared by
 * {@link dev.jprune.prune.importance.GroupMagnitudeImportance} (with {@link dev.jprune.prune.importance.BNScaleImportance}
 * and {@link dev.jprune.prune.importance.LampImportance} as fixed configurations of it),
 * {@link dev.jprune.prune.importance.FpgmImportance}, {@link dev.jprune.prune.importance.TaylorImportance} and
 * {@link dev.jprune.prune.importance.HessianImportance}; {@link dev.jprune.prune.importance.RandomImportance} is the
 * baseline.
 *
 * <p>Where Torch-Pruning's code does something surprising (depthwise convolutions never scored, Taylor never scoring
 * BatchNorm, Hessian keeping only the last sample), jprune does the correct thing by default and reproduces the
 * reference behind {@code tpCompat(true)} on the builders. Arithmetic is in {@code float} in a fixed order, so
 * results match PyTorch's float32 up to summation order.
 *
 * <p>Everything is non-null unless documented otherwise ({@code score} returns {@code null} for a group without a
 * scored member).
 */
package dev.jprune.prune.importance;
