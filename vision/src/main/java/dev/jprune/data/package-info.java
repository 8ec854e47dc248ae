/**
 * Datasets for fine-tuning and evaluating pruned models: {@link dev.jprune.data.Dataset} and its readers for
 * MNIST / Fashion-MNIST IDX files ({@link dev.jprune.data.IdxDataset}) and CIFAR-10 / CIFAR-100 binary batches
 * ({@link dev.jprune.data.CifarDataset}). Images come out as float {@code (C, H, W)} tensors scaled to [0, 1], as
 * torchvision's {@code ToTensor}. Malformed files raise {@link dev.jprune.io.ModelFormatException} naming the file.
 * Everything is non-null unless stated.
 */
package dev.jprune.data;
