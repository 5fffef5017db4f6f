package dev.argdiff.implicit;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.linalg.LinearOperator;
import dev.argdiff.linalg.LinearSolve;
import dev.argdiff.linalg.LinearSolver;
import dev.argdiff.linalg.PreparedSolver;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Through {@link ImplicitDiff#customRoot} with a dense solver, ∂ₓF is built and factored once per
 * point: by all the tangent solves of a {@code jacfwd} (one per input direction), by the adjoint
 * solves of a {@code jacrev} at the same point (the transposed factors), and by every solve of a
 * Hessian. Each Jacobian is checked against the closed form of ridge regression,
 * ∂w/∂y = (XᵀX/m + λI)⁻¹Xᵀ/m.
 */
class PreparedJacobianReuseTest {

    private static final int M = 9;
    private static final int D = 4;
    private static final Tensor X = Tensor.randomNormal(51, M, D);
    private static final double LAMBDA = 0.3;

    /** Counts preparations (factorizations) and prepared solves; the copies {@code with} makes share the counts. */
    private record Counting(LinearSolver inner, AtomicInteger prepares, AtomicInteger solves) implements LinearSolver {
        @Override
        public String name() {
            return inner.name();
        }

        @Override
        public Options options() {
            return inner.options();
        }

        @Override
        public LinearSolver with(Options options) {
            return new Counting(inner.with(options), prepares, solves);
        }

        @Override
        public PreparedSolver prepare(LinearOperator<?> operator) {
            prepares.incrementAndGet();
            return counted(inner.prepare(operator));
        }

        private PreparedSolver counted(PreparedSolver p) {
            return new PreparedSolver() {
                @Override
                public LinearOperator<?> operator() {
                    return p.operator();
                }

                @Override
                public Result solve(double[] b, double[] x0) {
                    solves.incrementAndGet();
                    return p.solve(b, x0);
                }

                @Override
                public PreparedSolver transpose() {
                    return counted(p.transpose());
                }
            };
        }
    }

    private static Tensor objective(Tensor w, Tensor y) {
        return X.matmul(w).sub(y).square().mean().mul(0.5).add(w.squaredNorm().mul(0.5 * LAMBDA));
    }

    private static BiFunction<Tensor, Tensor, Tensor> decorated(LinearSolver linear) {
        BiFunction<Tensor, Tensor, Tensor> optimality = (w, y) -> Autodiff.grad((Tensor v) -> objective(v, y)).apply(w);
        BiFunction<Tensor, Tensor, Tensor> solver = (init, y) -> LinearSolve.solve(LinearOperator.fromMatrix(hessian()),
                X.transposeMatmul(y).div(M), LinearSolver.lu());
        return ImplicitDiff.customRoot(optimality, solver, ImplicitOptions.defaults().withSolver(linear));
    }

    private static Tensor hessian() {
        return X.transposeMatmul(X).div(M).add(Tensor.eye(D).mul(LAMBDA));
    }

    /** The closed form (XᵀX/m + λI)⁻¹Xᵀ/m, D×M, by an independent solve per column. */
    private static double[] closedForm() {
        Tensor xt = X.transpose().div(M);
        double[] out = new double[D * M];
        for (int j = 0; j < M; j++) {
            double[] col = LinearSolve.solve(LinearOperator.fromMatrix(hessian()), xt.slice(1, j, j + 1).reshape(D),
                    LinearSolver.cholesky()).toArray();
            for (int i = 0; i < D; i++) {
                out[i * M + j] = col[i];
            }
        }
        return out;
    }

    private static void assertClose(double[] expected, double[] actual, double tol) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tol, "entry " + i);
        }
    }

    @Test
    void jacfwdFactorsOnceForAllDirectionsAndJacrevReusesTheTransposedFactors() {
        AtomicInteger prepares = new AtomicInteger();
        AtomicInteger solves = new AtomicInteger();
        BiFunction<Tensor, Tensor, Tensor> sol = decorated(new Counting(LinearSolver.lu(), prepares, solves));
        Tensor y = Tensor.randomNormal(52, M);

        Tensor jf = Autodiff.jacfwd((Tensor yy) -> sol.apply(Tensor.zeros(D), yy)).apply(y);
        assertEquals(1, prepares.get(), "one factorization for " + M + " input directions");
        assertEquals(M, solves.get(), "one tangent solve per direction");
        assertClose(closedForm(), jf.toArray(), 1e-10);

        Tensor jr = Autodiff.jacrev((Tensor yy) -> sol.apply(Tensor.zeros(D), yy)).apply(y);
        // A new top-level evaluation never reuses the previous one's factors (state F reads may have changed);
        // within it, all D adjoint solves share one factorization.
        assertEquals(2, prepares.get(), "one factorization for the " + D + " adjoint solves of one jacrev");
        assertEquals(M + D, solves.get(), "one adjoint solve per output");
        assertClose(closedForm(), jr.toArray(), 1e-10);

        sol.apply(Tensor.zeros(D), y.add(1.0));
        Autodiff.jacfwd((Tensor yy) -> sol.apply(Tensor.zeros(D), yy)).apply(y.add(1.0));
        assertEquals(3, prepares.get(), "a new point is factored again");
    }

    @Test
    void withoutTheMemoEveryDirectionRefactors() {
        // rootJvp called directly has no memo: the behaviour before reuse, one factorization per solve.
        AtomicInteger prepares = new AtomicInteger();
        LinearSolver counting = new Counting(LinearSolver.lu(), prepares, new AtomicInteger());
        BiFunction<Tensor, Tensor, Tensor> optimality = (w, y) -> Autodiff.grad((Tensor v) -> objective(v, y)).apply(w);
        Tensor y = Tensor.randomNormal(53, M);
        Tensor w = LinearSolve.solve(LinearOperator.fromMatrix(hessian()), X.transposeMatmul(y).div(M), LinearSolver.lu());
        double[] expected = closedForm();
        for (int j = 0; j < M; j++) {
            double[] e = new double[M];
            e[j] = 1;
            double[] col = ImplicitDiff.rootJvp(optimality, w, y, Tensor.of(e),
                    ImplicitOptions.defaults().withSolver(counting)).toArray();
            for (int i = 0; i < D; i++) {
                assertEquals(expected[i * M + j], col[i], 1e-10);
            }
        }
        assertEquals(M, prepares.get());
    }

    @Test
    void aHessianFactorsOnce() {
        AtomicInteger prepares = new AtomicInteger();
        BiFunction<Tensor, Tensor, Tensor> sol = decorated(new Counting(LinearSolver.lu(), prepares, new AtomicInteger()));
        Tensor y = Tensor.randomNormal(54, M);
        Tensor h = Autodiff.hessian((Tensor yy) -> sol.apply(Tensor.zeros(D), yy).squaredNorm()).apply(y);
        assertEquals(1, prepares.get(), "every solve of the Hessian is at the same point");
        // ‖w(y)‖² with w = J·y: the Hessian is 2·JᵀJ.
        double[] j = closedForm();
        double[] expected = new double[M * M];
        for (int a = 0; a < M; a++) {
            for (int b = 0; b < M; b++) {
                double s = 0;
                for (int i = 0; i < D; i++) {
                    s += j[i * M + a] * j[i * M + b];
                }
                expected[a * M + b] = 2 * s;
            }
        }
        assertClose(expected, h.toArray(), 1e-10);
    }

    @Test
    void aMutatedOptimalityIsNeverServedAStaleFactorization() {
        // F = c·(x − θ) with a scale the function captures and the caller mutates: the solution x* = θ does not
        // change, so value keys would match, but ∂ₓF does. Factors are reused only within one top-level evaluation,
        // so the second jacfwd factors the new ∂ₓF and gets the right ∂x*/∂θ = c_new/c_new = I, not c_new/c_old.
        double[] c = {1.0};
        BiFunction<Tensor, Tensor, Tensor> optimality = (x, theta) -> x.sub(theta).mul(c[0]);
        BiFunction<Tensor, Tensor, Tensor> sol = ImplicitDiff.customRoot(optimality, (init, theta) -> theta,
                ImplicitOptions.defaults().withSolver(LinearSolver.lu()));
        Tensor theta = Tensor.of(1, 2, 3);
        Tensor j = Autodiff.jacfwd((Tensor t) -> sol.apply(Tensor.zeros(3), t)).apply(theta);
        assertClose(Tensor.eye(3).toArray(), j.toArray(), 1e-12);
        c[0] = 2.0;
        Tensor j2 = Autodiff.jacfwd((Tensor t) -> sol.apply(Tensor.zeros(3), t)).apply(theta);
        assertClose(Tensor.eye(3).toArray(), j2.toArray(), 1e-12);
    }

    @Test
    void oneDecoratedFunctionSharedBetweenThreadsStaysExact() throws Exception {
        BiFunction<Tensor, Tensor, Tensor> sol = decorated(LinearSolver.lu());
        double[] expected = closedForm();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<double[]>> results = new ArrayList<>();
            for (int k = 0; k < 16; k++) {
                Tensor y = Tensor.randomNormal(60 + k % 4, M);
                results.add(pool.submit(() -> Autodiff.jacfwd((Tensor yy) -> sol.apply(Tensor.zeros(D), yy)).apply(y)
                        .toArray()));
            }
            for (Future<double[]> f : results) {
                assertClose(expected, f.get(), 1e-10);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
