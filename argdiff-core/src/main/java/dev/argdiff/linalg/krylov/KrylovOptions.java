package dev.argdiff.linalg.krylov;

import java.util.Arrays;
import java.util.Objects;

/**
 * The options shared by every Krylov solver of this package: an immutable value with
 * {@code with…} methods that return modified copies.
 *
 * <pre>{@code
 * KrylovOptions opts = KrylovOptions.defaults()
 *         .withRtol(1e-10)
 *         .withPreconditioner(Preconditioners.jacobi(diagonal));
 * KrylovResult result = ConjugateGradient.solve(a, b, opts);
 * }</pre>
 *
 * <h2>Options and defaults</h2>
 * <ul>
 *   <li>{@code rtol} = {@value #DEFAULT_RTOL}, {@code atol} = {@value #DEFAULT_ATOL}: a solve has
 *       converged when the true residual satisfies ‖b − A·x‖ ≤ max(rtol·‖b‖, atol) (Euclidean
 *       norms; for {@link NormalConjugateGradient} the residual of the normal equations, see
 *       there). 1e-8 is tighter than JAXopt's and SciPy's 1e-5 on purpose: the error of an
 *       implicit gradient is proportional to the error of the linear solve behind it (Blondel et
 *       al. 2022, Theorem 1), and 1e-8 still sits well above the attainable accuracy of double
 *       precision for reasonably conditioned systems.</li>
 *   <li>{@code maxiter} = {@value #DEFAULT_MAXITER_PER_UNKNOWN}·n (n = number of unknowns), the
 *       SciPy/JAX default for CG. {@code null} means "this default". The unit is one solver
 *       iteration: one matvec for CG, one Arnoldi step for GMRES (counted across restarts,
 *       unlike SciPy, which counts restart cycles), two matvecs for BiCGSTAB, one product with
 *       AᵀA (two matvecs) for normal CG.</li>
 *   <li>{@code initialGuess} = {@code null}, meaning the zero vector.</li>
 *   <li>{@code ridge} = 0: the solvers solve (A + ridge·I)·x = b; normal CG solves
 *       (AᵀA + ridge·I)·x = Aᵀb (JAXopt's {@code solve_normal_cg} semantics).</li>
 *   <li>{@code preconditioner} = {@code null}, meaning the identity. It must apply M⁻¹ where
 *       M ≈ A (+ ridge·I); for CG and normal CG it must be symmetric positive definite.</li>
 *   <li>{@code restart} = {@value #DEFAULT_RESTART}: the Krylov subspace dimension of restarted
 *       GMRES (SciPy's and JAX's default; memory is (restart + 1)·n doubles). Ignored by the
 *       other solvers; GMRES caps it at n.</li>
 * </ul>
 *
 * @param rtol           relative tolerance, finite and ≥ 0
 * @param atol           absolute tolerance, finite and ≥ 0
 * @param maxiter        maximum number of iterations, ≥ 1, or {@code null} for 10·n
 * @param initialGuess   starting point (copied), finite, or {@code null} for zeros
 * @param ridge          ridge regularization added to the operator's diagonal, finite and ≥ 0
 * @param preconditioner a {@link MatVec} applying M⁻¹, or {@code null} for the identity
 * @param restart        GMRES restart length, ≥ 1
 */
public record KrylovOptions(double rtol, double atol, Integer maxiter, double[] initialGuess,
                            double ridge, MatVec preconditioner, int restart) {

    /** Default relative tolerance. */
    public static final double DEFAULT_RTOL = 1e-8;
    /** Default absolute tolerance. */
    public static final double DEFAULT_ATOL = 0.0;
    /** The default {@code maxiter} is this many iterations per unknown. */
    public static final int DEFAULT_MAXITER_PER_UNKNOWN = 10;
    /** Default GMRES restart length. */
    public static final int DEFAULT_RESTART = 20;

    private static final KrylovOptions DEFAULTS =
            new KrylovOptions(DEFAULT_RTOL, DEFAULT_ATOL, null, null, 0.0, null, DEFAULT_RESTART);

    /**
     * Validates and copies the options.
     *
     * @throws IllegalArgumentException if rtol, atol or ridge is negative, NaN or infinite,
     *                                  maxiter or restart is below 1, or the initial guess holds
     *                                  a NaN or infinite entry; the message names the option
     */
    public KrylovOptions {
        requireNonNegativeFinite("rtol", rtol);
        requireNonNegativeFinite("atol", atol);
        requireNonNegativeFinite("ridge", ridge);
        if (maxiter != null && maxiter < 1) {
            throw new IllegalArgumentException("KrylovOptions: maxiter must be >= 1, got " + maxiter);
        }
        if (restart < 1) {
            throw new IllegalArgumentException("KrylovOptions: restart must be >= 1, got " + restart);
        }
        if (initialGuess != null) {
            initialGuess = initialGuess.clone();
            KrylovSupport.requireFinite(initialGuess, "initialGuess", "KrylovOptions");
        }
    }

    /** The default options (see the class documentation). */
    public static KrylovOptions defaults() {
        return DEFAULTS;
    }

    /** A copy of the initial guess, or {@code null} for the zero vector. */
    @Override
    public double[] initialGuess() {
        return initialGuess == null ? null : initialGuess.clone();
    }

    /** The initial guess without copying; package-private, never modified by the solvers. */
    double[] initialGuessView() {
        return initialGuess;
    }

    /** The iteration limit for a system with {@code n} unknowns: {@code maxiter}, or 10·n. */
    public int maxiterFor(int n) {
        if (maxiter != null) {
            return maxiter;
        }
        long m = (long) DEFAULT_MAXITER_PER_UNKNOWN * Math.max(n, 1);
        return (int) Math.min(m, Integer.MAX_VALUE);
    }

    /** A copy with relative tolerance {@code rtol}. */
    public KrylovOptions withRtol(double rtol) {
        return new KrylovOptions(rtol, atol, maxiter, initialGuess, ridge, preconditioner, restart);
    }

    /** A copy with absolute tolerance {@code atol}. */
    public KrylovOptions withAtol(double atol) {
        return new KrylovOptions(rtol, atol, maxiter, initialGuess, ridge, preconditioner, restart);
    }

    /** A copy with the iteration limit {@code maxiter} (≥ 1). */
    public KrylovOptions withMaxiter(int maxiter) {
        return new KrylovOptions(rtol, atol, maxiter, initialGuess, ridge, preconditioner, restart);
    }

    /** A copy with the default iteration limit, 10·n. */
    public KrylovOptions withDefaultMaxiter() {
        return new KrylovOptions(rtol, atol, null, initialGuess, ridge, preconditioner, restart);
    }

    /** A copy starting from {@code initialGuess} (copied; {@code null} for zeros). */
    public KrylovOptions withInitialGuess(double[] initialGuess) {
        return new KrylovOptions(rtol, atol, maxiter, initialGuess, ridge, preconditioner, restart);
    }

    /** A copy with ridge regularization {@code ridge} (≥ 0). */
    public KrylovOptions withRidge(double ridge) {
        return new KrylovOptions(rtol, atol, maxiter, initialGuess, ridge, preconditioner, restart);
    }

    /** A copy with the preconditioner {@code preconditioner} applying M⁻¹ ({@code null} for none). */
    public KrylovOptions withPreconditioner(MatVec preconditioner) {
        return new KrylovOptions(rtol, atol, maxiter, initialGuess, ridge, preconditioner, restart);
    }

    /** A copy with GMRES restart length {@code restart} (≥ 1). */
    public KrylovOptions withRestart(int restart) {
        return new KrylovOptions(rtol, atol, maxiter, initialGuess, ridge, preconditioner, restart);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KrylovOptions other
                && Double.compare(rtol, other.rtol) == 0
                && Double.compare(atol, other.atol) == 0
                && Objects.equals(maxiter, other.maxiter)
                && Arrays.equals(initialGuess, other.initialGuess)
                && Double.compare(ridge, other.ridge) == 0
                && Objects.equals(preconditioner, other.preconditioner)
                && restart == other.restart;
    }

    @Override
    public int hashCode() {
        return Objects.hash(rtol, atol, maxiter, Arrays.hashCode(initialGuess), ridge,
                preconditioner, restart);
    }

    @Override
    public String toString() {
        return "KrylovOptions[rtol=" + rtol + ", atol=" + atol
                + ", maxiter=" + (maxiter == null ? "10*n" : maxiter)
                + ", initialGuess=" + (initialGuess == null ? "zeros" : "double[" + initialGuess.length + "]")
                + ", ridge=" + ridge
                + ", preconditioner=" + (preconditioner == null ? "identity" : preconditioner)
                + ", restart=" + restart + "]";
    }

    private static void requireNonNegativeFinite(String name, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(
                    "KrylovOptions: " + name + " must be finite and >= 0, got " + value);
        }
    }
}
