package dev.argdiff.linalg.krylov;

import dev.argdiff.linalg.krylov.KrylovResult.Status;
import dev.argdiff.linalg.krylov.KrylovSupport.NonFiniteException;

/**
 * Preconditioned conjugate gradient for (A + ridge·I)·x = b with A symmetric positive definite.
 *
 * <p>Iteration k minimizes the A-norm of the error over x₀ + K_k(M⁻¹A, M⁻¹r₀); in exact
 * arithmetic it terminates in at most n steps, and the error contracts at least like
 * 2·((√κ − 1)/(√κ + 1))^k with κ the condition number of the preconditioned operator (Hestenes
 * and Stiefel 1952; Saad, <i>Iterative Methods for Sparse Linear Systems</i>, 2nd ed., Alg. 9.1).
 * One iteration costs one matvec, one preconditioner application and 3n-vector work.
 *
 * <p>Convergence is tested on the unpreconditioned residual ‖b − A·x‖ ≤ max(rtol·‖b‖, atol).
 * The recursively updated residual drifts from the true one in floating point, so when the
 * recurrence says "converged" the true residual is recomputed (one extra matvec); if it is
 * still above tolerance the recurrence is restarted from the true residual ("residual
 * replacement") and iteration continues.
 *
 * <p>A non-positive curvature pᵀAp ≤ 0 proves the operator is not positive definite, and a
 * non-positive rᵀM⁻¹r that the preconditioner is not: both stop with
 * {@link Status#BREAKDOWN}. Options: see {@link KrylovOptions} ({@code restart} is ignored).
 *
 * <pre>{@code
 * KrylovResult r = ConjugateGradient.solve(x -> laplacian(x), b, KrylovOptions.defaults());
 * if (!r.converged()) throw new IllegalStateException(r.summary());
 * double[] x = r.solution();
 * }</pre>
 */
public final class ConjugateGradient {

    private static final String NAME = "ConjugateGradient";

    private ConjugateGradient() {
    }

    /** {@link #solve(MatVec, double[], KrylovOptions)} with {@link KrylovOptions#defaults()}. */
    public static KrylovResult solve(MatVec a, double[] b) {
        return solve(a, b, KrylovOptions.defaults());
    }

    /**
     * Solves (A + ridge·I)·x = b for symmetric positive definite A.
     *
     * @param a    the matvec x ↦ A·x; A must be symmetric positive definite (not checked beyond
     *             the sign of pᵀAp)
     * @param b    the right-hand side; not modified
     * @param opts tolerances, iteration limit, initial guess, ridge and preconditioner (which
     *             must be symmetric positive definite)
     * @return the solution with diagnostics; never throws for non-convergence
     * @throws IllegalArgumentException if b holds a NaN or infinity, the initial guess does not
     *                                  have the length of b, or a or the preconditioner returns
     *                                  a vector of the wrong length
     * @throws NullPointerException     if a, b or opts is null
     */
    public static KrylovResult solve(MatVec a, double[] b, KrylovOptions opts) {
        KrylovProblem p = KrylovProblem.square(NAME, NAME, a, b, opts);
        if (p.zeroRhs()) {
            return p.zeroSolution();
        }
        return iterate(p);
    }

    /** Runs preconditioned CG on a validated problem; shared with {@link NormalConjugateGradient}. */
    static KrylovResult iterate(KrylovProblem p) {
        double[] x = p.x0;
        int iterations = 0;
        try {
            double[] r = p.residual(x);
            double rnorm = KrylovSupport.checkFinite(KrylovSupport.norm(r), "the initial residual norm");
            if (rnorm <= p.tol) {
                return p.finish(x, 0, Status.CONVERGED, "", rnorm);
            }
            int replacements = 0;
            double[] z = p.precondition(r);
            double rz = KrylovSupport.checkFinite(KrylovSupport.dot(r, z), "r·M⁻¹r");
            if (!(rz > 0)) {
                return p.finish(x, 0, Status.BREAKDOWN,
                        "rᵀM⁻¹r = " + rz + " <= 0: the preconditioner is not positive definite", Double.NaN);
            }
            double[] d = z;
            while (true) {
                if (iterations >= p.maxiter) {
                    return p.finish(x, iterations, Status.MAX_ITERATIONS,
                            replacementNote(replacements), Double.NaN);
                }
                double[] q = p.op.apply(d);
                double curvature = KrylovSupport.checkFinite(KrylovSupport.dot(d, q), "pᵀAp");
                if (!(curvature > 0)) {
                    return p.finish(x, iterations, Status.BREAKDOWN, "pᵀAp = " + curvature
                            + " <= 0 at iteration " + (iterations + 1)
                            + ": the operator is not positive definite", Double.NaN);
                }
                // For SPD A, pᵀAp / (‖p‖·‖Ap‖) ≥ 1/κ(A); below machine epsilon the operator is
                // numerically singular and the step length α would explode (and overflow).
                if (curvature <= KrylovSupport.EPS * KrylovSupport.norm(d) * KrylovSupport.norm(q)) {
                    return p.finish(x, iterations, Status.BREAKDOWN, "pᵀAp = " + curvature
                            + " ≈ 0 relative to ‖p‖·‖Ap‖ at iteration " + (iterations + 1)
                            + ": the operator is singular or not positive definite", Double.NaN);
                }
                double alpha = KrylovSupport.checkFinite(rz / curvature, "the step length");
                KrylovSupport.axpy(alpha, d, x);
                KrylovSupport.axpy(-alpha, q, r);
                iterations++;
                rnorm = KrylovSupport.checkFinite(KrylovSupport.norm(r), "the residual norm");
                boolean restart = false;
                if (rnorm <= p.tol) {
                    double[] trueR = p.residual(x);
                    double trueNorm = KrylovSupport.checkFinite(KrylovSupport.norm(trueR), "the true residual norm");
                    if (trueNorm <= p.tol) {
                        return p.finish(x, iterations, Status.CONVERGED, "", trueNorm);
                    }
                    r = trueR;
                    replacements++;
                    restart = true;
                }
                z = p.precondition(r);
                double rzNew = KrylovSupport.checkFinite(KrylovSupport.dot(r, z), "r·M⁻¹r");
                if (!(rzNew > 0)) {
                    return p.finish(x, iterations, Status.BREAKDOWN, "rᵀM⁻¹r = " + rzNew
                            + " <= 0: the preconditioner is not positive definite", Double.NaN);
                }
                if (restart) {
                    d = z;
                } else {
                    double beta = rzNew / rz;
                    for (int i = 0; i < d.length; i++) {
                        d[i] = z[i] + beta * d[i];
                    }
                }
                rz = rzNew;
            }
        } catch (NonFiniteException e) {
            return p.nonFinite(x, iterations, e);
        }
    }

    /** A note for a non-converged result when residual replacement happened. */
    static String replacementNote(int replacements) {
        if (replacements == 0) {
            return "";
        }
        return "the recursive residual reached tolerance " + replacements
                + " time(s) but the true residual did not; the tolerance may be below the"
                + " attainable accuracy for this system";
    }
}
