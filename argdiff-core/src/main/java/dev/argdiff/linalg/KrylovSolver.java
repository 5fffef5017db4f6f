package dev.argdiff.linalg;

import dev.argdiff.linalg.krylov.KrylovOptions;
import dev.argdiff.linalg.krylov.KrylovResult;
import dev.argdiff.linalg.krylov.MatVec;

/**
 * An iterative method of {@link dev.argdiff.linalg.krylov}: {@link #prepare} fixes the products
 * and builds the preconditioner once (for Jacobi on a matrix-free operator, n products); each
 * solve runs the Krylov kernel from its initial guess. The transpose is prepared afresh on Aᵀ.
 */
abstract class KrylovSolver extends AbstractSolver {

    KrylovSolver(Options options) {
        super(options);
    }

    /** The operator the method iterates on, whose inverse the preconditioner approximates (ridge aside). */
    <V> LinearOperator<V> iterated(LinearOperator<V> op) {
        return op;
    }

    /** Runs the kernel on A·x = b with the products of {@code op}. */
    abstract KrylovResult run(LinearOperator<?> op, MatVec a, double[] b, KrylovOptions opts);

    @Override
    public final PreparedSolver prepare(LinearOperator<?> operator) {
        LinearOperator<?> op = concrete(operator);
        LinearOperator<?> system = iterated(op);
        double ridge = options().ridge();
        MatVec inverse = options().preconditioner().build(ridge == 0 ? system : system.plusIdentity(ridge));
        return new Prepared(op, matvec(op), inverse);
    }

    private final class Prepared implements PreparedSolver {
        private final LinearOperator<?> op;
        private final MatVec matvec;
        private final MatVec inverse;

        Prepared(LinearOperator<?> op, MatVec matvec, MatVec inverse) {
            this.op = op;
            this.matvec = matvec;
            this.inverse = inverse;
        }

        @Override
        public LinearOperator<?> operator() {
            return op;
        }

        @Override
        public PreparedSolver transpose() {
            return prepare(op.transpose());
        }

        @Override
        public Result solve(double[] b, double[] x0) {
            KrylovResult kr = run(op, matvec, b, options().krylov(inverse, x0));
            SolveInfo.Status status = SolveInfo.Status.valueOf(kr.status().name());
            return new Result(kr.solution(), new SolveInfo(kr.solver(), b.length, kr.iterations(), kr.residualNorm(),
                    kr.relativeResidual(), options().rtol(), status, kr.converged() ? ""
                    : kr.status() + (kr.message().isEmpty() ? "" : ": " + kr.message())));
        }
    }
}
