/**
 * Helpers shared by the io packages (element formats). Internal: not part of the public API and free to change.
 */
package dev.jprune.io.internal;
