package dev.argdiff.linalg.krylov;

import dev.argdiff.linalg.krylov.KrylovResult.Status;
import dev.argdiff.linalg.krylov.KrylovSupport.NonFiniteException;

/**
 * Right-preconditioned BiCGSTAB for (A + ridge·I)·x = b, A any nonsingular square operator
 * (van der Vorst 1992, "Bi-CGSTAB: a fast and smoothly converging variant of Bi-CG"; Barrett
 * et al., <i>Templates for the Solution of Linear Systems</i>, 1994, Fig. 2.10).
 *
 * <p>Short recurrences (memory: 8 vectors, no restart length to tune) and two matvecs and two
 * preconditioner applications per iteration. The preconditioner is applied on the right, so
 * the recurrence residual is the unpreconditioned one and the test
 * ‖b − A·x‖ ≤ max(rtol·‖b‖, atol) means the same with and without it. A half-step whose
 * residual s already meets the tolerance ends the iteration early. As in
 * {@link ConjugateGradient}, a recurrence residual within tolerance is confirmed on the true
 * residual and replaced by it when they disagree.
 *
 * <p>BiCGSTAB can break down: ρ = r̂ᵀr ≈ 0 or r̂ᵀA·p ≈ 0 (the shadow residual r̂ became
 * orthogonal), or ω ≈ 0 (the stabilizing step stagnates). "≈ 0" means below machine epsilon
 * relative to the norms involved. On a breakdown the recurrence restarts from the true
 * residual with r̂ = r if the residual decreased since the last (re)start; otherwise it stops
 * with {@link Status#BREAKDOWN}. One iteration = two matvecs; {@code maxiter} counts
 * iterations (a final half-step counts as one). Options: see {@link KrylovOptions}
 * ({@code restart} is ignored).
 */
public final class BiCgStab {

    private static final String NAME = "BiCgStab";

    private BiCgStab() {
    }

    /** {@link #solve(MatVec, double[], KrylovOptions)} with {@link KrylovOptions#defaults()}. */
    public static KrylovResult solve(MatVec a, double[] b) {
        return solve(a, b, KrylovOptions.defaults());
    }

    /**
     * Solves (A + ridge·I)·x = b by right-preconditioned BiCGSTAB.
     *
     * @param a    the matvec x ↦ A·x of a square operator
     * @param b    the right-hand side; not modified
     * @param opts tolerances, iteration limit, initial guess, ridge and preconditioner (applied
     *             on the right)
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

    private static KrylovResult iterate(KrylovProblem p) {
        final double eps = KrylovSupport.EPS;
        double[] x = p.x0;
        int iterations = 0;
        try {
            double[] r = p.residual(x);
            double rnorm = KrylovSupport.checkFinite(KrylovSupport.norm(r), "the initial residual norm");
            if (rnorm <= p.tol) {
                return p.finish(x, 0, Status.CONVERGED, "", rnorm);
            }
            double[] rhat = r.clone();
            double rhatNorm = rnorm;
            double restartNorm = rnorm;   // true residual norm at the last (re)start
            double[] d = null;            // search direction p
            double[] v = null;            // A·M⁻¹·p
            double rhoOld = 1.0;
            double alpha = 1.0;
            double omega = 1.0;
            boolean fresh = true;
            int replacements = 0;
            while (true) {
                if (iterations >= p.maxiter) {
                    return p.finish(x, iterations, Status.MAX_ITERATIONS,
                            ConjugateGradient.replacementNote(replacements), Double.NaN);
                }
                String breakdown = null;
                boolean candidate = false;
                double rho = KrylovSupport.checkFinite(KrylovSupport.dot(rhat, r), "ρ = r̂ᵀr");
                if (Math.abs(rho) <= eps * rhatNorm * rnorm) {
                    breakdown = "ρ = r̂ᵀr ≈ 0";
                } else {
                    if (fresh) {
                        d = r.clone();
                        fresh = false;
                    } else {
                        double beta = KrylovSupport.checkFinite((rho / rhoOld) * (alpha / omega), "β");
                        for (int i = 0; i < d.length; i++) {
                            d[i] = r[i] + beta * (d[i] - omega * v[i]);
                        }
                    }
                    double[] phat = p.preconditionView(d);
                    v = p.op.apply(phat);
                    iterations++;
                    double rv = KrylovSupport.checkFinite(KrylovSupport.dot(rhat, v), "r̂ᵀv");
                    if (Math.abs(rv) <= eps * rhatNorm * KrylovSupport.norm(v)) {
                        breakdown = "r̂ᵀA·p ≈ 0";
                    } else {
                        alpha = KrylovSupport.checkFinite(rho / rv, "α");
                        KrylovSupport.axpy(-alpha, v, r);          // r now holds s = r − α·v
                        double snorm = KrylovSupport.checkFinite(KrylovSupport.norm(r), "‖s‖");
                        if (snorm <= p.tol) {
                            KrylovSupport.axpy(alpha, phat, x);
                            rnorm = snorm;
                            candidate = true;
                        } else {
                            double[] shat = p.preconditionView(r);
                            double[] t = p.op.apply(shat);
                            double tt = KrylovSupport.checkFinite(KrylovSupport.dot(t, t), "tᵀt");
                            double ts = KrylovSupport.checkFinite(KrylovSupport.dot(t, r), "tᵀs");
                            if (tt == 0.0 || Math.abs(ts) <= eps * Math.sqrt(tt) * snorm) {
                                // ω ≈ 0: keep the half step, which is a valid BiCG update.
                                KrylovSupport.axpy(alpha, phat, x);
                                rnorm = snorm;
                                breakdown = "ω ≈ 0 (stagnation)";
                            } else {
                                omega = KrylovSupport.checkFinite(ts / tt, "ω");
                                KrylovSupport.axpy(alpha, phat, x);
                                KrylovSupport.axpy(omega, shat, x);
                                KrylovSupport.axpy(-omega, t, r);
                                rnorm = KrylovSupport.checkFinite(KrylovSupport.norm(r), "the residual norm");
                                rhoOld = rho;
                                candidate = rnorm <= p.tol;
                            }
                        }
                    }
                }
                if (candidate || breakdown != null) {
                    double[] trueR = p.residual(x);
                    double trueNorm = KrylovSupport.checkFinite(KrylovSupport.norm(trueR), "the true residual norm");
                    if (trueNorm <= p.tol) {
                        return p.finish(x, iterations, Status.CONVERGED, "", trueNorm);
                    }
                    if (breakdown != null && !(trueNorm < restartNorm)) {
                        return p.finish(x, iterations, Status.BREAKDOWN, breakdown
                                + " at iteration " + iterations + " without progress since the last restart",
                                trueNorm);
                    }
                    if (candidate) {
                        replacements++;
                    }
                    // Restart the recurrence from the true residual.
                    r = trueR;
                    rnorm = trueNorm;
                    restartNorm = trueNorm;
                    rhat = r.clone();
                    rhatNorm = rnorm;
                    fresh = true;
                }
            }
        } catch (NonFiniteException e) {
            return p.nonFinite(x, iterations, e);
        }
    }
}
