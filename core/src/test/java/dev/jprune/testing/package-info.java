/** Test support shared by every module (published as the core test-jar): shared-data lookup, tolerances. */
package dev.jprune.testing;
