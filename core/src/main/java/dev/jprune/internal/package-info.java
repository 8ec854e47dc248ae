/** Internal helpers (JSON); not part of the public API and free to change. */
package dev.jprune.internal;
