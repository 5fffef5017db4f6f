package dev.argdiff.examples;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The solver benchmark's numbers on Rosenbrock n = 2, whose minimizer (a, a²) gives d(x₀ + x₁)/da = 1 + 2a = 3. */
class SolversBenchTest {

    @Test
    void everySolverConvergesAndAgreesWithTheClosedFormDerivative() {
        List<SolversBench.Row> rows = SolversBench.run(List.of(2), false, 1, 1e-8, 5000, r -> { });
        assertEquals(List.of("LBFGS", "BFGS", "NonlinearCG", "GaussNewton", "LevenbergMarquardt"),
                rows.stream().map(SolversBench.Row::solver).toList());
        for (SolversBench.Row r : rows) {
            assertEquals("CONVERGED", r.status(), r.solver());
            assertTrue(r.error() <= 1e-8, r.solver() + " error " + r.error());
            assertTrue(r.evaluations() >= r.iterations(), r.solver() + " counts evaluations");
            assertEquals(3.0, r.derivative(), 1e-6, r.solver());
        }
    }
}
