/**
 * The model zoo ({@link dev.jprune.zoo.Zoo}): torchvision architectures with torchvision's module and
 * {@code state_dict} names. Everything is non-null unless stated.
 */
package dev.jprune.zoo;
