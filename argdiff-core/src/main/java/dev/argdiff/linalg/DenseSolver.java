package dev.argdiff.linalg;

import dev.argdiff.linalg.krylov.MatVec;

/**
 * A direct method: {@link #prepare} builds the dense matrix of the operator (read from a matrix,
 * or n products of a matrix-free one), adds the ridge and factors it once; every solve, with A or
 * with Aᵀ, reuses the factors. A solve "converges" when its residual, recomputed with the
 * operator's own products, meets the tolerance test of the Krylov methods: an ill-conditioned
 * system can fail it although the factorization succeeded, and a factorization that no longer
 * matches the operator always does.
 */
abstract class DenseSolver extends AbstractSolver {

    /** A factorization of the n×n matrix (ridge included), solving with it or its transpose. */
    interface Factors {
        double[] solve(double[] b);

        double[] solveTransposed(double[] b);
    }

    DenseSolver(Options options) {
        super(options);
    }

    /**
     * Factors the row-major n×n matrix {@code a}.
     *
     * @throws dev.argdiff.linalg.dense.SingularMatrixException      if it is singular to working precision
     * @throws dev.argdiff.linalg.dense.NotPositiveDefiniteException if the method needs it positive definite and it is not
     */
    abstract Factors factor(double[] a, int n);

    @Override
    public final PreparedSolver prepare(LinearOperator<?> operator) {
        LinearOperator<?> op = concrete(operator);
        int n = op.size();
        double[] dense = op.toDenseArray();
        double ridge = options().ridge();
        if (ridge != 0) {
            for (int i = 0; i < n; i++) {
                dense[i * n + i] += ridge;
            }
        }
        return new Prepared(op, factor(dense, n), false);
    }

    private final class Prepared implements PreparedSolver {
        private final LinearOperator<?> op;
        private final Factors factors;
        private final boolean transposed;
        private final MatVec matvec;

        Prepared(LinearOperator<?> op, Factors factors, boolean transposed) {
            this.op = op;
            this.factors = factors;
            this.transposed = transposed;
            this.matvec = matvec(op);
        }

        @Override
        public LinearOperator<?> operator() {
            return op;
        }

        @Override
        public PreparedSolver transpose() {
            return new Prepared(op.transpose(), factors, !transposed);
        }

        @Override
        public Result solve(double[] b, double[] x0) {
            Options o = options();
            double[] x = transposed ? factors.solveTransposed(b) : factors.solve(b);
            int n = b.length;
            double[] ax = matvec.apply(x);
            double r = 0;
            double bn = 0;
            boolean finite = true;
            for (int i = 0; i < n; i++) {
                double ri = b[i] - ax[i] - o.ridge() * x[i];
                r += ri * ri;
                bn += b[i] * b[i];
                finite &= Double.isFinite(x[i]);
            }
            r = Math.sqrt(r);
            bn = Math.sqrt(bn);
            double rel = bn == 0 ? r : r / bn;
            boolean ok = finite && r <= Math.max(o.rtol() * bn, o.atol());
            SolveInfo.Status status = !finite ? SolveInfo.Status.NON_FINITE
                    : ok ? SolveInfo.Status.CONVERGED : SolveInfo.Status.ILL_CONDITIONED;
            return new Result(x, new SolveInfo(name(), n, 1, r, rel, o.rtol(), status,
                    finite ? (ok ? "" : "residual above tolerance: the system is ill-conditioned") : "non-finite solution"));
        }
    }
}
