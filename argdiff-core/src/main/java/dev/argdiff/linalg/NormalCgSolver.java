package dev.argdiff.linalg;

import dev.argdiff.linalg.krylov.KrylovOptions;
import dev.argdiff.linalg.krylov.KrylovResult;
import dev.argdiff.linalg.krylov.MatVec;
import dev.argdiff.linalg.krylov.NormalConjugateGradient;

/**
 * {@link LinearSolver#normalCg()}: CG on the normal equations AᵀA·x = Aᵀb
 * ({@link NormalConjugateGradient}); the preconditioner approximates (AᵀA + ridge·I)⁻¹.
 */
final class NormalCgSolver extends KrylovSolver {

    static final String NAME = "normal-cg";

    NormalCgSolver(Options options) {
        super(options);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public LinearSolver with(Options options) {
        return new NormalCgSolver(options);
    }

    @Override
    <V> LinearOperator<V> iterated(LinearOperator<V> op) {
        return op.transpose().compose(op);
    }

    @Override
    KrylovResult run(LinearOperator<?> op, MatVec a, double[] b, KrylovOptions opts) {
        return NormalConjugateGradient.solve(a, matvec(op.transpose()), b, opts);
    }
}
