package dev.argdiff.linalg;

import dev.argdiff.linalg.krylov.BiCgStab;
import dev.argdiff.linalg.krylov.KrylovOptions;
import dev.argdiff.linalg.krylov.KrylovResult;
import dev.argdiff.linalg.krylov.MatVec;

/** {@link LinearSolver#bicgstab()}: BiCGSTAB, for any nonsingular A ({@link BiCgStab}). */
final class BiCgStabSolver extends KrylovSolver {

    BiCgStabSolver(Options options) {
        super(options);
    }

    @Override
    public String name() {
        return "bicgstab";
    }

    @Override
    public LinearSolver with(Options options) {
        return new BiCgStabSolver(options);
    }

    @Override
    KrylovResult run(LinearOperator<?> op, MatVec a, double[] b, KrylovOptions opts) {
        return BiCgStab.solve(a, b, opts);
    }
}
