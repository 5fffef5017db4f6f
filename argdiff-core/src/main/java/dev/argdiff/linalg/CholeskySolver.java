package dev.argdiff.linalg;

import dev.argdiff.linalg.dense.Cholesky;

/** {@link LinearSolver#cholesky()}: dense Cholesky of a symmetric positive definite A = Aᵀ. */
final class CholeskySolver extends DenseSolver {

    CholeskySolver(Options options) {
        super(options);
    }

    @Override
    public String name() {
        return "cholesky";
    }

    @Override
    public LinearSolver with(Options options) {
        return new CholeskySolver(options);
    }

    @Override
    Factors factor(double[] a, int n) {
        Cholesky c = Cholesky.factor(a, n);
        return new Factors() {
            @Override
            public double[] solve(double[] b) {
                return c.solve(b);
            }

            @Override
            public double[] solveTransposed(double[] b) {
                return c.solve(b);
            }
        };
    }
}
