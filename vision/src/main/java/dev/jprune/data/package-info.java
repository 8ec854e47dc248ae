/**
 * Datasets, transforms and batching for fine-tuning and evaluating pruned models, the counterpart of
 * {@code torchvision.datasets}, {@code torchvision.transforms} and {@code torch.utils.data}:
 * <ul>
 *   <li>{@link dev.jprune.data.Dataset} and its readers: MNIST / Fashion-MNIST IDX files
 *       ({@link dev.jprune.data.IdxDataset}), CIFAR-10 / CIFAR-100 binary batches
 *       ({@link dev.jprune.data.CifarDataset}), folders of images with one sub-folder per class
 *       ({@link dev.jprune.data.ImageFolderDataset}), and views of another dataset ({@link dev.jprune.data.Subset});
 *       images come out as float {@code (C, H, W)} tensors scaled to [0, 1], as torchvision's {@code ToTensor};</li>
 *   <li>per-image {@link dev.jprune.data.Transform}s with torchvision's semantics ({@link dev.jprune.data.Transforms});</li>
 *   <li>{@link dev.jprune.data.DataLoader}, the core's {@link dev.jprune.train.BatchSource}: seeded shuffling and
 *       augmentation, background prefetching, exact resumption at any batch.</li>
 * </ul>
 * Malformed files raise {@link dev.jprune.io.ModelFormatException} naming the file. Everything is non-null unless
 * stated.
 */
package dev.jprune.data;
