/** The {@code jprune} command line ({@link dev.jprune.cli.Main}); contract in {@code shared/CLI.md}. */
package dev.jprune.cli;
