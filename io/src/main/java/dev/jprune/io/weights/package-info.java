/**
 * Weights in PyTorch's files, by {@code state_dict} key. {@link dev.jprune.io.weights.StateDicts} loads a
 * {@code torch.save} zip checkpoint ({@code .pth}) or a safetensors file into a {@link dev.jprune.ir.Graph} (strict
 * or not, atomically, with DataParallel prefixes and {@code {"state_dict": ...}}/{@code {"model": ...}} wrappers
 * handled), reads one for inspection as {@link dev.jprune.io.weights.StoredTensor}s, and saves a graph's — possibly
 * pruned — weights as safetensors. Files that cannot be read raise {@link dev.jprune.io.ModelFormatException};
 * files that do not fit the model raise {@link dev.jprune.io.weights.StateDictMismatchException}. Pickles are read
 * by a data-only interpreter that refuses every global a {@code state_dict} does not need: no code from a file is
 * ever run. Everything is non-null unless stated.
 */
package dev.jprune.io.weights;
