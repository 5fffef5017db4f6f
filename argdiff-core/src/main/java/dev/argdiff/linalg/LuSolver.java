package dev.argdiff.linalg;

import dev.argdiff.linalg.dense.LU;

/** {@link LinearSolver#lu()}: dense LU with partial pivoting; Aᵀ is solved with the same factors. */
final class LuSolver extends DenseSolver {

    LuSolver(Options options) {
        super(options);
    }

    @Override
    public String name() {
        return "lu";
    }

    @Override
    public LinearSolver with(Options options) {
        return new LuSolver(options);
    }

    @Override
    Factors factor(double[] a, int n) {
        LU lu = LU.factor(a, n);
        return new Factors() {
            @Override
            public double[] solve(double[] b) {
                return lu.solve(b);
            }

            @Override
            public double[] solveTransposed(double[] b) {
                return lu.solveTransposed(b);
            }
        };
    }
}
