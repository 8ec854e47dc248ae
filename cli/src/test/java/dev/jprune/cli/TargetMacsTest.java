package dev.jprune.cli;

import dev.jprune.cli.CliRun.Result;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.jprune.cli.CliRun.expectError;
import static dev.jprune.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jprune prune --target-macs X} on ResNet-20 (41.3 M MACs at 32×32): the parsed values, the bisection's
 * chosen ratio checked by pruning again with {@code --ratio} (exact MAC equality), the progressive mode with
 * {@code --steps} stopping at the first step that reaches the target, and the error paths with their exit codes.
 */
class TargetMacsTest {

    private static Result prune(String... args) {
        return CliRun.ok("prune", args);
    }

    private static long num(Object o) {
        return ((Number) o).longValue();
    }

    @Test
    void valuesParse() {
        assertEquals(1_200_000_000L, PruneSettings.targetMacs("1.2G").resolve(5_000_000_000L));
        assertEquals(500_000_000L, PruneSettings.targetMacs("500M").resolve(5_000_000_000L));
        assertEquals(500_000_000L, PruneSettings.targetMacs("500m").resolve(5_000_000_000L));
        assertEquals(41_026_186L, PruneSettings.targetMacs("41026186").resolve(5_000_000_000L));
        assertEquals(30_500L, PruneSettings.targetMacs("30.5K").resolve(5_000_000_000L));
        assertEquals(500L, PruneSettings.targetMacs("2x").resolve(1001), "floor(1001 / 2)");
        assertEquals(400L, PruneSettings.targetMacs("2.5X").resolve(1000));
        for (String bad : List.of("", "abc", "2xx", "-5M", "1.2Q", "M", "1,000", "0x10", "NaN", "Infinity", "1d")) {
            CliException e = assertThrows(CliException.class, () -> PruneSettings.targetMacs(bad), bad);
            assertEquals(CliException.USAGE, e.exitCode(), bad);
        }
        for (String bad : List.of("1x", "0.5x", "0", "0.2")) {
            CliException e = assertThrows(CliException.class, () -> PruneSettings.targetMacs(bad), bad);
            assertEquals(CliException.USAGE, e.exitCode(), bad);
        }
    }

    @Test
    void bisectionChoosesARatioThatReproducesWithRatio() {
        Result r = prune("resnet20", "--target-macs", "2x", "--json");
        Map<?, ?> j = r.json();
        long base = num(j.get("base_macs"));
        long target = base / 2;
        Map<?, ?> c = (Map<?, ?>) j.get("config");
        assertEquals(target, num(c.get("target_macs")));
        long macs = num(j.get("macs"));
        assertTrue(macs <= target, macs + " MACs at or below the target " + target);
        Map<?, ?> search = (Map<?, ?>) c.get("target_search");
        assertEquals("bisection", search.get("mode"));
        assertEquals("2x", search.get("spec"));
        List<?> trials = (List<?>) search.get("trials");
        assertTrue(trials.size() >= 2 && trials.size() <= TargetSearch.MAX_TRIALS, trials.toString());
        assertTrue(r.out().contains("chosen ratio"), r.out());
        // the chosen trial is the one with the most MACs at or below the target
        long best = trials.stream().map(t -> num(((Map<?, ?>) t).get("macs"))).filter(m -> m <= target)
                .max(Long::compare).orElseThrow();
        assertEquals(best, macs);
        // the same ratio given directly prunes to the same MAC count
        double ratio = ((Number) c.get("ratio")).doubleValue();
        Map<?, ?> again = prune("resnet20", "--ratio", Double.toString(ratio), "--json").json();
        assertEquals(macs, num(again.get("macs")), "--ratio " + ratio);
        assertEquals(num(j.get("params")), num(again.get("params")));
        // a trial above the target exists, so no higher MAC count at or below it is known to be missed
        assertTrue(trials.stream().anyMatch(t -> num(((Map<?, ?>) t).get("macs")) > target), trials.toString());
    }

    @Test
    void absoluteTargetWithinHalfAPercentWhenTheChannelsAllow() {
        // ResNet-20's halving figure: ratio 0.5 gives 10,568,010 MACs; aim at it
        Map<?, ?> j = prune("resnet20", "--target-macs", "10568010", "--json").json();
        long macs = num(j.get("macs"));
        assertTrue(macs <= 10_568_010L && macs >= 10_568_010L * 0.995, "MACs " + macs);
    }

    @Test
    void roundToKeepsTheSearchWhereGroupsStillPrune() {
        // --round-to 16: ResNet-20's 16-channel stage cannot lose channels; the 32- and 64-channel ones can
        Map<?, ?> j = prune("resnet20", "--target-macs", "1.5x", "--round-to", "16", "--json").json();
        long target = num(j.get("base_macs")) * 2 / 3;
        assertEquals(target, num(((Map<?, ?>) j.get("config")).get("target_macs")));
        assertTrue(num(j.get("macs")) <= target, "MACs " + j.get("macs") + " at or below " + target);
        for (Map.Entry<?, ?> e : ((Map<?, ?>) j.get("layers")).entrySet()) {
            if (!"fc".equals(e.getKey())) { // the classifier keeps its 10 outputs
                Map<?, ?> after = (Map<?, ?>) ((Map<?, ?>) e.getValue()).get("after");
                assertEquals(0, num(after.get("out")) % 16, "round-to keeps multiples of 16: " + e);
            }
        }
    }

    @Test
    void stepsPruneProgressivelyUntilTheTarget() {
        Map<?, ?> j = prune("resnet20", "--target-macs", "20M", "--steps", "50", "--json").json();
        Map<?, ?> c = (Map<?, ?>) j.get("config");
        Map<?, ?> search = (Map<?, ?>) c.get("target_search");
        assertEquals("progressive", search.get("mode"));
        assertEquals(1.0, c.get("ratio"));
        assertEquals(20_000_000L, num(c.get("target_macs")));
        List<?> trials = (List<?>) search.get("trials");
        long steps = num(search.get("steps"));
        assertEquals(trials.size(), steps);
        assertTrue(steps > 1 && steps < 50, "steps " + steps);
        long last = num(((Map<?, ?>) trials.get(trials.size() - 1)).get("macs"));
        long previous = num(((Map<?, ?>) trials.get(trials.size() - 2)).get("macs"));
        assertEquals(num(j.get("macs")), last);
        assertTrue(last <= 20_000_000L && previous > 20_000_000L, "stopped at the first step reaching the target: "
                + previous + " then " + last);
    }

    @Test
    void errors() {
        expectError(run("prune", "resnet20", "--ratio", "0.5", "--target-macs", "2x"), 2, "--target-macs");
        expectError(run("prune", "resnet20", "--target-macs", "lots"), 2, "'lots'");
        expectError(run("prune", "resnet20", "--target-macs", "1x"), 2, "above 1x");
        expectError(run("prune", "resnet20", "--target-macs", "1G"), 2, "not below the model's 41,321,098");
        expectError(run("prune", "resnet20", "--replay", "h.json", "--target-macs", "2x"), 2, "--target-macs");
        Result far = run("prune", "resnet20", "--target-macs", "1000");
        expectError(far, 4, "cannot be reached");
        assertTrue(far.err().matches("(?s).*the fewest MACs of 4 trials up to ratio [0-9.]+ are [0-9,]+.*"),
                "names the MACs reached: " + far.err());
        Result steps = run("prune", "resnet20", "--target-macs", "1000", "--steps", "3");
        expectError(steps, 4, "3 progressive steps leave");
    }
}
