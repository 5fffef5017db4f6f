package dev.argdiff.linalg;

import dev.argdiff.linalg.krylov.Gmres;
import dev.argdiff.linalg.krylov.KrylovOptions;
import dev.argdiff.linalg.krylov.KrylovResult;
import dev.argdiff.linalg.krylov.MatVec;

/** {@link LinearSolver#gmres()}: restarted GMRES, for any nonsingular A ({@link Gmres}). */
final class GmresSolver extends KrylovSolver {

    GmresSolver(Options options) {
        super(options);
    }

    @Override
    public String name() {
        return "gmres";
    }

    @Override
    public LinearSolver with(Options options) {
        return new GmresSolver(options);
    }

    @Override
    KrylovResult run(LinearOperator<?> op, MatVec a, double[] b, KrylovOptions opts) {
        return Gmres.solve(a, b, opts);
    }
}
