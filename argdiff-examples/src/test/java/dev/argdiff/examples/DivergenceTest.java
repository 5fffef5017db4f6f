package dev.argdiff.examples;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An outer loop that diverges stops with status 1 and one line saying it diverged and which option
 * to lower — not status 0 with NaN losses, and not status 2 with a library message about a bad
 * argument ("LinearSolver.withRidge: ridge must be finite", "ZoomLineSearch.search: not a descent
 * direction, slope NaN").
 */
class DivergenceTest {

    @Test
    void ridgeWithAHugeLearningRateDiverges() {
        // Adam's first step moves θ by the learning rate: −4 + 1000·(1 − tiny) ≈ 996 > 350, exp(996) = ∞.
        MainTest.Run r = MainTest.run("example", "ridge", "--theta", "-4", "--learning-rate", "1000", "--steps", "50");
        assertEquals(1, r.status(), r.err());
        assertTrue(r.err().startsWith("argdiff: the outer iteration diverged at step 1: theta = 995.99999"), r.err());
        assertTrue(r.err().endsWith(" (beyond 350.0, l2reg = exp(theta) overflows); lower --learning-rate (now "
                + "1000.0)\n"), r.err());
        assertEquals(1, r.out().lines().filter(l -> l.matches("\\s+\\d+ .*")).count(), "one step ran: " + r.out());
    }

    @Test
    void imamlWithAHugeLearningRateDivergesInBothModes() {
        // θ after one Adam step is ±1e308 per component: its squared norm overflows.
        String[][] modes = {{}, {"--maml"}};
        for (String[] mode : modes) {
            String[] args = new String[mode.length + 6];
            System.arraycopy(new String[] {"example", "imaml", "--learning-rate", "1e308", "--steps", "3"}, 0, args,
                    0, 6);
            System.arraycopy(mode, 0, args, 6, mode.length);
            MainTest.Run r = MainTest.run(args);
            assertEquals(1, r.status(), String.join(" ", mode) + ": " + r.err()); // --maml was 0, with NaN losses
            assertEquals("argdiff: the outer iteration diverged at step 1: theta overflowed (squared norm Infinity); "
                    + "lower --learning-rate (now 1.0E308)\n", r.err());
            assertTrue(!r.out().contains("NaN"), r.out());
        }
    }

    @Test
    void distillationWithAHugeLearningRateDiverges() {
        MainTest.Run r = MainTest.run("example", "distillation", "--learning-rate", "1e308", "--steps", "2",
                "--inner-maxiter", "50");
        assertEquals(1, r.status(), r.err());
        assertEquals("argdiff: the outer iteration diverged at step 1: the images overflowed (squared norm Infinity); "
                + "lower --learning-rate (now 1.0E308)\n", r.err());
    }

    @Test
    void aNonFiniteLossAfterAnUpdateIsADivergenceAndAtTheStartAnOverflow() {
        Divergence.Diverged later = org.junit.jupiter.api.Assertions.assertThrows(Divergence.Diverged.class,
                () -> Divergence.checkStep(4, Double.NaN, 1.0, "--learning-rate", 0.5));
        assertEquals("the outer iteration diverged at step 4 (the loss is NaN and the gradient norm 1.0); lower "
                + "--learning-rate (now 0.5)", later.getMessage());
        Divergence.Diverged first = org.junit.jupiter.api.Assertions.assertThrows(Divergence.Diverged.class,
                () -> Divergence.checkStep(1, 2.0, Double.POSITIVE_INFINITY, "--learning-rate", 0.5));
        assertTrue(first.getMessage().startsWith("the values overflowed at the starting point"), first.getMessage());
        Divergence.checkStep(2, 1e300, 1e300, "--learning-rate", 0.5); // large but finite: no exception
    }
}
