package dev.jprune.prune;

/**
 * How decisive one ranking was: in a scope (a group when local, all groups when global, a user or isomorphic
 * scope), the score of the last channel chosen for removal and of the first one kept. When the two are within
 * float rounding of each other, another implementation summing in another order may choose differently.
 *
 * @param scope     the scope's name
 * @param removed   how many channels the ranking removed
 * @param threshold the highest score removed
 * @param nextKept  the lowest score kept ({@code NaN} when nothing is kept)
 */
public record ScopeDecision(String scope, int removed, float threshold, float nextKept) {

    /** {@code (nextKept − threshold) / |nextKept|}: 0 for a tie, {@code NaN} when nothing is kept. */
    public double relativeMargin() {
        if (nextKept == threshold) {
            return 0; // an exact tie, zeros included
        }
        return (nextKept - (double) threshold) / Math.abs((double) nextKept);
    }

    /** Whether the two scores are within {@code rtol} of each other (relative to the kept one). */
    public boolean nearTie(double rtol) {
        return relativeMargin() <= rtol;
    }
}
