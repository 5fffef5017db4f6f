package dev.argdiff.linalg.krylov;

import dev.argdiff.linalg.krylov.KrylovResult.Status;
import dev.argdiff.linalg.krylov.KrylovSupport.Operator;

/**
 * Conjugate gradient on the normal equations (CGNR): solves (AᵀA + ridge·I)·x = Aᵀb for any
 * A, square or rectangular (m×n), given the products with A and with Aᵀ.
 *
 * <p>This is JAXopt's {@code solve_normal_cg}: the ridge is added to AᵀA, not to A, so with
 * ridge λ &gt; 0 the result is the ridge-regression / Tikhonov solution
 * argminₓ ‖A·x − b‖² + λ‖x‖², and with λ = 0 and A of full column rank the least-squares
 * solution (for square nonsingular A, the solution of A·x = b). Use it when A is not symmetric
 * positive definite and a transpose product is available; its price is that the condition
 * number is squared, κ(AᵀA) = κ(A)², so it converges slower than GMRES or BiCGSTAB on
 * well-behaved nonsymmetric systems (Saad, <i>Iterative Methods for Sparse Linear Systems</i>,
 * 2nd ed., §8.3).
 *
 * <p>The tolerances apply to the system actually solved: convergence means
 * ‖Aᵀb − (AᵀA + ridge·I)·x‖ ≤ max(rtol·‖Aᵀb‖, atol), and {@link KrylovResult#residualNorm()}
 * and {@link KrylovResult#relativeResidual()} report that normal-equation residual (the
 * residual ‖b − A·x‖ of a least-squares problem need not go to zero). For square nonsingular
 * A it bounds ‖b − A·x‖ ≤ ‖A⁻ᵀ‖·‖normal residual‖.
 *
 * <p>One iteration costs one product with A and one with Aᵀ. The preconditioner, if any,
 * approximates (AᵀA + ridge·I)⁻¹ on vectors of length n and must be symmetric positive
 * definite; the initial guess has length n. Options: see {@link KrylovOptions}
 * ({@code restart} is ignored; the default maxiter is 10·n).
 */
public final class NormalConjugateGradient {

    private static final String NAME = "NormalConjugateGradient";

    private NormalConjugateGradient() {
    }

    /** {@link #solve(MatVec, MatVec, double[], KrylovOptions)} with default options. */
    public static KrylovResult solve(MatVec a, MatVec aT, double[] b) {
        return solve(a, aT, b, KrylovOptions.defaults());
    }

    /**
     * Solves (AᵀA + ridge·I)·x = Aᵀb.
     *
     * @param a    the matvec x ↦ A·x, from length n to length m = b.length
     * @param aT   the transposed matvec y ↦ Aᵀ·y, from length m to length n; it must be the
     *             exact transpose of {@code a} (not checked)
     * @param b    the right-hand side, length m; not modified
     * @param opts tolerances (on the normal equations), iteration limit, initial guess
     *             (length n), ridge and preconditioner (length n, symmetric positive definite)
     * @return the solution (length n) with diagnostics; never throws for non-convergence
     * @throws IllegalArgumentException if b holds a NaN or infinity, the initial guess does not
     *                                  have length n = aT(b).length, or a, aT or the
     *                                  preconditioner returns a vector of the wrong length
     * @throws NullPointerException     if a, aT, b or opts is null
     */
    public static KrylovResult solve(MatVec a, MatVec aT, double[] b, KrylovOptions opts) {
        KrylovSupport.requireNonNull(a, "a", NAME);
        KrylovSupport.requireNonNull(aT, "aT", NAME);
        KrylovSupport.requireNonNull(b, "b", NAME);
        KrylovSupport.requireNonNull(opts, "opts", NAME);
        KrylovSupport.requireFinite(b, "b", NAME);
        double[] atb = aT.apply(b);
        if (atb == null) {
            throw new IllegalArgumentException(NAME + ": matvec aT returned null");
        }
        int n = atb.length;
        Operator aOp = new Operator(a, NAME, "matvec a", b.length, "the length of b", 0.0);
        Operator aTOp = new Operator(aT, NAME, "matvec aT", n,
                "the number of unknowns, the length of aT(b)", 0.0);
        Operator normal = new Operator(x -> aTOp.apply(aOp.apply(x)), NAME, "AᵀA", n,
                "the number of unknowns", opts.ridge());
        for (int i = 0; i < n; i++) {
            if (!Double.isFinite(atb[i])) {
                double[] x = opts.initialGuessView() == null ? new double[n] : opts.initialGuess();
                return new KrylovResult(NAME, x, 0, Double.NaN, Double.NaN, opts.atol(),
                        Status.NON_FINITE, "matvec aT returned " + atb[i] + " at index " + i
                        + " for b");
            }
        }
        if (atb == b) {
            atb = atb.clone();
        }
        KrylovProblem p = new KrylovProblem(NAME, NAME, normal, atb, opts, "aT(b)");
        if (p.zeroRhs()) {
            return p.zeroSolution();
        }
        return ConjugateGradient.iterate(p);
    }
}
