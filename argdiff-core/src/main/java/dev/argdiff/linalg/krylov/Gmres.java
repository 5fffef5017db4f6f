package dev.argdiff.linalg.krylov;

import dev.argdiff.linalg.krylov.KrylovResult.Status;
import dev.argdiff.linalg.krylov.KrylovSupport.NonFiniteException;

import java.util.Arrays;

/**
 * Restarted GMRES(m) with right preconditioning for (A + ridge·I)·x = b, A any nonsingular
 * square operator (Saad and Schultz 1986; Saad, <i>Iterative Methods for Sparse Linear
 * Systems</i>, 2nd ed., Alg. 6.9 and §9.3.2).
 *
 * <p>Each cycle builds an orthonormal basis V of the Krylov space K_m(A·M⁻¹, r₀) by the Arnoldi
 * process with modified Gram–Schmidt (plus one selective reorthogonalization pass when
 * cancellation shrinks the new vector below 1/√2 of its length, "twice is enough"), reduces the
 * Hessenberg matrix to triangular form with Givens rotations as it grows, and takes
 * x = x₀ + M⁻¹·V·y with y minimizing ‖b − A·(x₀ + M⁻¹V·y)‖. The cycle restarts from the
 * current x after m = {@code restart} steps (capped at n).
 *
 * <p><b>Right, not left, preconditioning</b> on purpose: the quantity GMRES minimizes, and the
 * residual estimate the Givens rotations deliver for free, is then the true residual
 * ‖b − A·x‖ itself rather than ‖M⁻¹(b − A·x)‖, so the convergence test
 * ‖b − A·x‖ ≤ max(rtol·‖b‖, atol) means the same with and without a preconditioner. The
 * estimate is only trusted to end a cycle early: the true residual is recomputed at the end of
 * every cycle (one matvec) and decides convergence.
 *
 * <p>One iteration = one Arnoldi step (one matvec and one preconditioner application, plus
 * O(j·n) orthogonalization work at step j); {@code maxiter} counts them across restarts. Memory:
 * (m + 1) vectors of length n. Stops with {@link Status#BREAKDOWN} when the Hessenberg system
 * is singular (the operator or preconditioner is singular on the Krylov space) or a lucky
 * breakdown ends a cycle without progress. Options: see {@link KrylovOptions}.
 */
public final class Gmres {

    private static final String NAME = "Gmres";
    /** Below this fraction of its length after orthogonalization a vector is orthogonalized again. */
    private static final double REORTHOGONALIZE = 0.7071067811865476;

    private Gmres() {
    }

    /** {@link #solve(MatVec, double[], KrylovOptions)} with {@link KrylovOptions#defaults()}. */
    public static KrylovResult solve(MatVec a, double[] b) {
        return solve(a, b, KrylovOptions.defaults());
    }

    /**
     * Solves (A + ridge·I)·x = b by restarted, right-preconditioned GMRES.
     *
     * @param a    the matvec x ↦ A·x of a square operator
     * @param b    the right-hand side; not modified
     * @param opts tolerances, iteration limit (Arnoldi steps in total), initial guess, ridge,
     *             preconditioner (applied on the right) and restart length
     * @return the solution with diagnostics; never throws for non-convergence
     * @throws IllegalArgumentException if b holds a NaN or infinity, the initial guess does not
     *                                  have the length of b, or a or the preconditioner returns
     *                                  a vector of the wrong length
     * @throws NullPointerException     if a, b or opts is null
     */
    public static KrylovResult solve(MatVec a, double[] b, KrylovOptions opts) {
        KrylovSupport.requireNonNull(opts, "opts", NAME);
        KrylovProblem p = KrylovProblem.square(NAME + "(restart=" + opts.restart() + ")", NAME, a, b, opts);
        if (p.zeroRhs()) {
            return p.zeroSolution();
        }
        return iterate(p, Math.min(opts.restart(), p.n));
    }

    private static KrylovResult iterate(KrylovProblem p, int m) {
        int n = p.n;
        double[] x = p.x0;
        int iterations = 0;
        try {
            double[] r = p.residual(x);
            double beta = KrylovSupport.checkFinite(KrylovSupport.norm(r), "the initial residual norm");
            double[][] v = new double[m + 1][];
            double[][] h = new double[m + 1][m]; // h[i][j]: row i, column j of the Hessenberg matrix
            double[] cs = new double[m];
            double[] sn = new double[m];
            double[] g = new double[m + 1];
            while (true) {
                if (beta <= p.tol) {
                    return p.finish(x, iterations, Status.CONVERGED, "", beta);
                }
                if (iterations >= p.maxiter) {
                    return p.finish(x, iterations, Status.MAX_ITERATIONS, "", beta);
                }
                v[0] = r;
                divide(v[0], beta);
                Arrays.fill(g, 0.0);
                g[0] = beta;
                int steps = Math.min(m, p.maxiter - iterations);
                int k = 0;              // columns of the least-squares problem
                boolean singular = false;
                boolean lucky = false;
                for (int j = 0; j < steps; j++) {
                    double[] w = p.op.apply(p.preconditionView(v[j]));
                    iterations++;
                    double before = KrylovSupport.norm(w);
                    for (int i = 0; i <= j; i++) {
                        double hij = KrylovSupport.dot(w, v[i]);
                        h[i][j] = hij;
                        KrylovSupport.axpy(-hij, v[i], w);
                    }
                    double after = KrylovSupport.norm(w);
                    if (after < REORTHOGONALIZE * before) {
                        for (int i = 0; i <= j; i++) {
                            double c = KrylovSupport.dot(w, v[i]);
                            h[i][j] += c;
                            KrylovSupport.axpy(-c, v[i], w);
                        }
                        after = KrylovSupport.norm(w);
                    }
                    KrylovSupport.checkFinite(after, "the Arnoldi vector norm");
                    h[j + 1][j] = after;
                    for (int i = 0; i < j; i++) {
                        double t = cs[i] * h[i][j] + sn[i] * h[i + 1][j];
                        h[i + 1][j] = -sn[i] * h[i][j] + cs[i] * h[i + 1][j];
                        h[i][j] = t;
                    }
                    double rho = Math.hypot(h[j][j], h[j + 1][j]);
                    // rho is the part of A·M⁻¹v_j outside the span of the previous columns' images;
                    // below machine epsilon relative to ‖A·M⁻¹v_j‖ the operator is numerically
                    // singular on the Krylov space and the triangular solve would explode.
                    if (rho <= KrylovSupport.EPS * before) {
                        singular = true;
                        break;
                    }
                    cs[j] = h[j][j] / rho;
                    sn[j] = h[j + 1][j] / rho;
                    h[j][j] = rho;
                    h[j + 1][j] = 0.0;
                    g[j + 1] = -sn[j] * g[j];
                    g[j] = cs[j] * g[j];
                    k = j + 1;
                    double estimate = KrylovSupport.checkFinite(Math.abs(g[j + 1]), "the residual estimate");
                    if (estimate <= p.tol) {
                        break;
                    }
                    if (after <= KrylovSupport.EPS * before) {
                        // Lucky breakdown: the Krylov space is invariant, the least-squares
                        // solution is exact up to rounding; normalizing would amplify noise.
                        lucky = true;
                        break;
                    }
                    if (j + 1 < steps) {
                        divide(w, after);
                        v[j + 1] = w;
                    }
                }
                if (k > 0) {
                    double[] y = new double[k];
                    for (int i = k - 1; i >= 0; i--) {
                        double s = g[i];
                        for (int l = i + 1; l < k; l++) {
                            s -= h[i][l] * y[l];
                        }
                        y[i] = KrylovSupport.checkFinite(s / h[i][i], "the least-squares coefficient");
                    }
                    double[] u = new double[n];
                    for (int i = 0; i < k; i++) {
                        KrylovSupport.axpy(y[i], v[i], u);
                    }
                    double[] update = p.preconditionView(u);
                    KrylovSupport.axpy(1.0, update, x);
                }
                double previous = beta;
                r = p.residual(x);
                beta = KrylovSupport.checkFinite(KrylovSupport.norm(r), "the residual norm");
                if (beta > p.tol) {
                    if (singular) {
                        return p.finish(x, iterations, Status.BREAKDOWN, "the Hessenberg matrix is"
                                + " singular: the operator (or preconditioner) is singular on the"
                                + " Krylov space", beta);
                    }
                    if (lucky && beta >= previous) {
                        return p.finish(x, iterations, Status.BREAKDOWN,
                                "lucky breakdown without progress", beta);
                    }
                }
            }
        } catch (NonFiniteException e) {
            return p.nonFinite(x, iterations, e);
        }
    }

    /** v ← v / s; dividing, not multiplying by 1/s, which overflows for subnormal s. */
    private static void divide(double[] v, double s) {
        for (int i = 0; i < v.length; i++) {
            v[i] /= s;
        }
    }
}
