package dev.argdiff.solvers;

import dev.argdiff.solvers.SolverFixtures.Regression;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad options are refused with IllegalArgumentException naming the option; options return copies. */
class SolverOptionValidationTest {

    private static final BiFunction<Tensor, Tensor, Tensor> T = (x, a) -> x.mul(0.5);

    static List<IterativeSolver<Tensor, Regression, ?, ?>> solvers() {
        return List.of(
                GradientDescent.of(SolverFixtures::ridge),
                ProximalGradient.of(SolverFixtures::leastSquares, SolverFixtures.SOFT_THRESHOLD),
                ProjectedGradient.of(SolverFixtures::ridge, (x, a) -> x.relu()),
                LBFGS.of(SolverFixtures::ridge),
                LBFGSB.of(SolverFixtures::ridge, a -> LBFGSB.Bounds.of(0, Double.POSITIVE_INFINITY)),
                BlockCoordinateDescent.of(SolverFixtures::leastSquares, SolverFixtures.SOFT_THRESHOLD),
                BlockCoordinateDescent.compositeLinear(Regression::x, (z, a) -> z.square().mean(), 1.0,
                        SolverFixtures.SOFT_THRESHOLD),
                FixedPointIteration.of((Tensor x, Regression a) -> x.mul(0.5)),
                AndersonAcceleration.of((Tensor x, Regression a) -> x.mul(0.5)));
    }

    private static void assertRefused(String option, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(option), "message should name " + option + ": " + e.getMessage());
    }

    @ParameterizedTest
    @MethodSource("solvers")
    void commonOptions(IterativeSolver<Tensor, Regression, ?, ?> solver) {
        assertRefused("maxiter", () -> solver.maxiter(0));
        assertRefused("maxiter", () -> solver.maxiter(-3));
        assertRefused("tol", () -> solver.tol(Double.NaN));
        assertRefused("tol", () -> solver.tol(-1e-3));
        assertRefused("tol", () -> solver.tol(Double.POSITIVE_INFINITY));
        // Option methods return copies.
        IterativeSolver<Tensor, Regression, ?, ?> other = solver.maxiter(7).tol(1e-3).implicitDiff(false);
        assertEquals(7, other.options().maxiter());
        assertEquals(500, solver.options().maxiter());
        assertTrue(solver.options().implicitDiff());
    }

    @Test
    void lbfgsOptions() {
        LBFGS<Tensor, Regression> s = LBFGS.of(SolverFixtures::ridge);
        assertRefused("historySize", () -> s.historySize(-1));
        assertRefused("maxls", () -> s.maxls(0));
        assertRefused("stepsize", () -> s.stepsize(Double.NaN));
        assertRefused("maxStepsize", () -> s.maxStepsize(0));
        assertRefused("minStepsize", () -> s.minStepsize(Double.NaN));
        assertRefused("increaseFactor", () -> s.increaseFactor(0.5));
        assertRefused("c1", () -> s.wolfe(0, 0.9));
        assertRefused("c2", () -> s.wolfe(1e-4, 1e-5));
        assertRefused("c2", () -> s.wolfe(1e-4, 1));
        assertRefused("fun", () -> LBFGS.of(null));
        assertEquals(10, s.historySize());
        assertEquals(4, s.historySize(4).historySize());
        assertEquals(10, s.historySize());
        assertEquals(30, s.lineSearch().maxEvaluations());
        assertEquals(1e-4, s.lineSearch().c1());
        assertEquals(0.9, s.lineSearch().c2());
    }

    @Test
    void andersonOptions() {
        AndersonAcceleration<Tensor, Tensor> s = AndersonAcceleration.of(T);
        assertRefused("historySize", () -> s.historySize(-1));
        assertRefused("historySize", () -> s.historySize(1));
        assertRefused("mixingFrequency", () -> s.mixingFrequency(0));
        assertRefused("beta", () -> s.beta(Double.NaN));
        assertRefused("beta", () -> s.beta(0));
        assertRefused("ridge", () -> s.ridge(-1e-5));
        assertRefused("ridge", () -> s.ridge(Double.NaN));
        assertRefused("fixedPointFun", () -> AndersonAcceleration.of(null));
        assertEquals(5, s.historySize());
        assertEquals(1, s.mixingFrequency());
        assertEquals(1.0, s.beta());
        assertEquals(1e-5, s.ridge());
    }

    @Test
    void fixedPointIterationOptions() {
        assertRefused("fixedPointFun", () -> FixedPointIteration.of(null));
    }

    @Test
    void blockCoordinateDescentOptions() {
        BlockCoordinateDescent<Regression> s = BlockCoordinateDescent.of(SolverFixtures::leastSquares,
                SolverFixtures.SOFT_THRESHOLD);
        assertRefused("maxls", () -> s.maxls(-1));
        assertRefused("fun", () -> BlockCoordinateDescent.of(null, SolverFixtures.SOFT_THRESHOLD));
        assertRefused("blockProx", () -> BlockCoordinateDescent.<Regression>of(SolverFixtures::leastSquares, null));
        assertRefused("lossLipschitz", () -> BlockCoordinateDescent.<Regression>compositeLinear(Regression::x,
                (z, a) -> z.sum(), 0.0, SolverFixtures.SOFT_THRESHOLD));
        assertRefused("lossLipschitz", () -> BlockCoordinateDescent.<Regression>compositeLinear(Regression::x,
                (z, a) -> z.sum(), Double.NaN, SolverFixtures.SOFT_THRESHOLD));
        assertEquals(15, s.maxls());
        // A design matrix that does not match the parameters is refused with both shapes.
        BlockCoordinateDescent<Regression> cl = BlockCoordinateDescent.compositeLinear(Regression::x,
                (z, a) -> z.square().mean(), 1.0, SolverFixtures.SOFT_THRESHOLD);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> cl.run(Tensor.zeros(3), SolverFixtures.regression(1, 10, 4)));
        assertTrue(e.getMessage().contains("[10, 4]") && e.getMessage().contains("[3]"), e.getMessage());
    }

    @Test
    void zoomLineSearchOptions() {
        ZoomLineSearch ls = ZoomLineSearch.defaults();
        assertRefused("maxEvaluations", () -> ls.maxEvaluations(0));
        assertRefused("maxStepsize", () -> ls.maxStepsize(Double.NaN));
        assertRefused("descent", () -> ls.search(t -> new ZoomLineSearch.Point(t, 0, 0), 0, 1.0, 1.0));
    }
}
