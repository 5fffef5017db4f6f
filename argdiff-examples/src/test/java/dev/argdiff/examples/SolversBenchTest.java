package dev.argdiff.examples;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The solver benchmark's numbers on extended Rosenbrock n = 2 and 10, whose minimizer (a, a², …) gives d(Σx*)/da = 1.5n. */
class SolversBenchTest {

    @Test
    void everySolverConvergesAndAgreesWithTheClosedFormDerivative() {
        List<SolversBench.Row> rows = SolversBench.run(List.of(2, 10), false, 1, 1e-8, 5000, r -> { });
        assertEquals(List.of("LBFGS", "BFGS", "NonlinearCG", "GaussNewton", "LevenbergMarquardt"),
                rows.stream().map(SolversBench.Row::solver).distinct().toList());
        for (SolversBench.Row r : rows) {
            assertEquals("CONVERGED", r.status(), r.solver());
            assertTrue(r.error() <= 1e-8, r.solver() + " error " + r.error());
            assertTrue(r.evaluations() >= r.iterations(), r.solver() + " counts evaluations");
            // Extended Rosenbrock: n/2 pairs (a, a²), d(Σx*)/da = 1.5n at a = 1.
            double n = r.problem().endsWith("=2") ? 2 : 10;
            assertEquals(1.5 * n, r.derivative(), 1e-6 * n, r.problem() + " " + r.solver());
        }
    }
}
