package dev.argdiff.optim;

import dev.argdiff.solvers.OptStep;
import dev.argdiff.solvers.OptimizerSolver;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every optimizer minimizes the convex quadratic f(x) = ½ (x − c)ᵀ Q (x − c), whose minimizer is
 * c, from a seeded random start. Q is symmetric positive definite with eigenvalues in about
 * [0.6, 3.9].
 */
class ConvergenceTest {

    private static final Tensor Q = Tensor.of(new double[][]{
            {3.0, 1.0, 0.5},
            {1.0, 2.0, 0.3},
            {0.5, 0.3, 1.0},
    });
    private static final Tensor C = Tensor.of(1.0, -2.0, 0.5);

    private static Tensor objective(Tensor x, Tensor c) {
        Tensor d = x.sub(c);
        return d.dot(Q.matmul(d)).mul(0.5);
    }

    static Stream<Arguments> optimizers() {
        // name, optimizer, steps, tolerance on max |x − c|
        return Stream.of(
                Arguments.of("sgd", Optimizers.sgd(0.2), 300, 1e-10),
                Arguments.of("momentum", Optimizers.momentum(0.1, 0.9), 600, 1e-10),
                Arguments.of("nesterov", Optimizers.sgd(0.1, 0.9, true), 600, 1e-10),
                Arguments.of("adam", Optimizers.adam(0.05), 3000, 1e-10),
                Arguments.of("clipped sgd", GradientTransformation.chain(Transforms.clipByGlobalNorm(1.0),
                        Transforms.scaleByLearningRate(0.2)), 400, 1e-10));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizers")
    void convergesToTheMinimizer(String name, GradientTransformation<?> opt, int steps, double tol) {
        OptimizerSolver<Tensor, Tensor, Void> solver = OptimizerSolver.of(ConvergenceTest::objective, opt);
        Tensor x0 = Tensor.randomNormal(7L, 3).mul(3.0);
        // Exactly `steps` updates (runIterator has no stopping test; nesterov reaches ∇f = 0 exactly at 377).
        OptStep<Tensor, OptimizerSolver.State<Void>> out = solver.maxiter(steps)
                .runIterator(x0, Stream.generate(() -> C).iterator());
        double[] x = out.params().toArray();
        double[] c = C.toArray();
        for (int i = 0; i < 3; i++) {
            assertEquals(c[i], x[i], tol, name + ": x[" + i + "]");
        }
        assertEquals(steps, out.state().iterations());
        assertTrue(out.state().value().item() < objective(x0, C).item(), name + ": the objective decreased");
    }
}
