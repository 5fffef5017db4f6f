package dev.argdiff.linalg;

import dev.argdiff.linalg.krylov.ConjugateGradient;
import dev.argdiff.linalg.krylov.KrylovOptions;
import dev.argdiff.linalg.krylov.KrylovResult;
import dev.argdiff.linalg.krylov.MatVec;

/** {@link LinearSolver#cg()}: conjugate gradient, for a symmetric positive definite A ({@link ConjugateGradient}). */
final class CgSolver extends KrylovSolver {

    CgSolver(Options options) {
        super(options);
    }

    @Override
    public String name() {
        return "cg";
    }

    @Override
    public LinearSolver with(Options options) {
        return new CgSolver(options);
    }

    @Override
    KrylovResult run(LinearOperator<?> op, MatVec a, double[] b, KrylovOptions opts) {
        return ConjugateGradient.solve(a, b, opts);
    }
}
