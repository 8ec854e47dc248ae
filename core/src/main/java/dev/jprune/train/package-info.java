/**
 * Training utilities, the counterpart of {@code torch.nn} losses, {@code torch.optim} and
 * {@code torch.optim.lr_scheduler} that Torch-Pruning's fine-tuning scripts use:
 * <ul>
 *   <li>losses ({@link dev.jprune.train.CrossEntropyLoss}, {@link dev.jprune.train.MseLoss}) that return the scalar
 *       value and the gradient to hand to {@link dev.jprune.exec.Tape#backward};</li>
 *   <li>optimisers over parameter groups ({@link dev.jprune.train.Sgd}, {@link dev.jprune.train.AdamW},
 *       {@link dev.jprune.train.ParamGroup}, {@link dev.jprune.train.ParamGroups}) whose per-parameter state can be
 *       sliced when the parameter is pruned;</li>
 *   <li>learning-rate schedules ({@link dev.jprune.train.LrSchedule} and its closed forms);</li>
 *   <li>{@link dev.jprune.train.TrainStep}, one complete optimisation step, and {@link dev.jprune.train.Trainer}, the
 *       epoch loop over a {@link dev.jprune.train.BatchSource} with an after-backward hook for sparse training,
 *       exactly resumable at any batch;</li>
 *   <li>{@link dev.jprune.train.Evaluation} (top-1, top-5, loss) and {@link dev.jprune.train.ProgressLog}.</li>
 * </ul>
 * Everything is non-null unless stated.
 */
package dev.jprune.train;
