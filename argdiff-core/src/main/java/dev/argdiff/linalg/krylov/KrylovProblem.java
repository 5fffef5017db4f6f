package dev.argdiff.linalg.krylov;

import dev.argdiff.linalg.krylov.KrylovResult.Status;
import dev.argdiff.linalg.krylov.KrylovSupport.NonFiniteException;
import dev.argdiff.linalg.krylov.KrylovSupport.Operator;

/**
 * A validated linear system op·x = rhs ready for iteration, shared by all solvers: the checked
 * operator (ridge included) and preconditioner, the starting point, the absolute tolerance and
 * the iteration limit; and {@link #finish}, which turns a final iterate into a
 * {@link KrylovResult} with the true residual.
 *
 * <p>When ‖rhs‖ is extreme (beyond 2^±256) the system is rescaled by an exact power of two, so
 * that dot products in the recurrences neither overflow nor underflow; the iterates are
 * otherwise bit-identical and the result is scaled back. (Not done in the normal range because
 * approximately linear matvecs, such as finite-difference JVPs, are not exactly homogeneous.)
 */
final class KrylovProblem {

    final String solver;
    final String caller;
    final Operator op;
    /** The preconditioner, or {@code null} for the identity. */
    final Operator preconditioner;
    /** The right-hand side, scaled. */
    final double[] rhs;
    final double rhsNorm;
    /** Absolute tolerance max(rtol·‖rhs‖, atol), scaled. */
    final double tol;
    /** The starting point, scaled; a fresh array that the solver may update in place. */
    final double[] x0;
    final int maxiter;
    final int n;
    private final double scale;

    /**
     * @param solver          the solver label for results (e.g. "Gmres(restart=20)")
     * @param caller          the class name for exception messages
     * @param op              the checked operator, ridge included
     * @param rhs             the (validated, finite) right-hand side; not modified
     * @param opts            the options (initial guess, tolerances, maxiter, preconditioner)
     * @param rhsName         how to call the right-hand side in messages ("b" or "aT(b)")
     */
    KrylovProblem(String solver, String caller, Operator op, double[] rhs, KrylovOptions opts,
                  String rhsName) {
        this.solver = solver;
        this.caller = caller;
        this.op = op;
        this.n = rhs.length;
        double[] guess = opts.initialGuessView();
        if (guess != null && guess.length != n) {
            throw new IllegalArgumentException(caller + ": initialGuess has length " + guess.length
                    + " but " + rhsName + " has length " + n);
        }
        this.preconditioner = opts.preconditioner() == null ? null
                : new Operator(opts.preconditioner(), caller, "preconditioner", n,
                "the number of unknowns", 0.0);
        this.maxiter = opts.maxiterFor(n);
        double norm = KrylovSupport.norm(rhs);
        int exponent = norm == 0.0 ? 0 : Math.getExponent(norm);
        this.scale = Math.abs(exponent) > 256 ? Math.scalb(1.0, -exponent) : 1.0;
        this.rhs = scaled(rhs, scale);
        this.rhsNorm = norm * scale;
        this.tol = Math.max(opts.rtol() * norm, opts.atol()) * scale;
        this.x0 = guess == null ? new double[n] : scaled(guess, scale);
    }

    private static double[] scaled(double[] v, double s) {
        double[] out = v.clone();
        if (s != 1.0) {
            for (int i = 0; i < out.length; i++) {
                out[i] *= s;
            }
        }
        return out;
    }

    /** Whether the right-hand side is zero, whose solution is zero without any iteration. */
    boolean zeroRhs() {
        return rhsNorm == 0.0;
    }

    /** The exact answer for a zero right-hand side. */
    KrylovResult zeroSolution() {
        return new KrylovResult(solver, new double[n], 0, 0.0, 0.0, tol / scale,
                Status.CONVERGED, "");
    }

    /** rhs − op·x (the true residual), as a new array. */
    double[] residual(double[] x) {
        double[] ax = op.apply(x);
        for (int i = 0; i < n; i++) {
            ax[i] = rhs[i] - ax[i];
        }
        return ax;
    }

    /**
     * M⁻¹·v, or v itself without a preconditioner: for callers that only read the result.
     */
    double[] preconditionView(double[] v) {
        return preconditioner == null ? v : preconditioner.apply(v);
    }

    /** M⁻¹·v as a new array (a copy of v without preconditioner). */
    double[] precondition(double[] v) {
        return preconditioner == null ? v.clone() : preconditioner.apply(v);
    }

    /**
     * Builds the result for the final iterate {@code x}. The true residual is recomputed unless
     * the solver passes it ({@code knownResidual} not NaN, for an x whose residual it has just
     * computed). A MAX_ITERATIONS or BREAKDOWN stop whose true residual nevertheless meets the
     * tolerance is reported as CONVERGED: the answer is what counts.
     */
    KrylovResult finish(double[] x, int iterations, Status status, String message,
                        double knownResidual) {
        double res = knownResidual;
        for (double v : x) {
            if (!Double.isFinite(v)) {
                // Only overflow of a finite update can get here; the breakdown tests of the
                // solvers are meant to stop before that.
                return new KrylovResult(solver, unscaled(x), iterations, Double.NaN, Double.NaN,
                        tol / scale, Status.NON_FINITE, "the iterate overflowed");
            }
        }
        if (Double.isNaN(res)) {
            try {
                res = KrylovSupport.norm(residual(x));
            } catch (NonFiniteException e) {
                res = Double.NaN;
                if (status != Status.NON_FINITE) {
                    status = Status.NON_FINITE;
                    message = "true residual at exit: " + e.getMessage();
                }
            }
        }
        if ((status == Status.MAX_ITERATIONS || status == Status.BREAKDOWN) && res <= tol) {
            status = Status.CONVERGED;
            message = "";
        }
        if (status == Status.CONVERGED && !(res <= tol)) {
            throw new AssertionError(caller + ": reported convergence with residual " + res
                    + " above tolerance " + tol);
        }
        double residualNorm = res / scale;
        double relative = rhsNorm > 0 ? res / rhsNorm : residualNorm;
        return new KrylovResult(solver, unscaled(x), iterations, residualNorm, relative,
                tol / scale, status, message);
    }

    private double[] unscaled(double[] x) {
        return scale == 1.0 ? x : scaled(x, 1.0 / scale);
    }

    /** The result after a non-finite value: the last finite iterate and the reason. */
    KrylovResult nonFinite(double[] x, int iterations, NonFiniteException e) {
        return finish(x, iterations, Status.NON_FINITE, e.getMessage(), Double.NaN);
    }

    /** Validates b and the square operator a for CG, GMRES and BiCGSTAB. */
    static KrylovProblem square(String solver, String caller, MatVec a, double[] b,
                                KrylovOptions opts) {
        KrylovSupport.requireNonNull(a, "a", caller);
        KrylovSupport.requireNonNull(b, "b", caller);
        KrylovSupport.requireNonNull(opts, "opts", caller);
        KrylovSupport.requireFinite(b, "b", caller);
        Operator op = new Operator(a, caller, "matvec a", b.length, "the length of b", opts.ridge());
        return new KrylovProblem(solver, caller, op, b, opts, "b");
    }
}
