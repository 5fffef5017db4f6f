package dev.argdiff.linalg;

import dev.argdiff.linalg.krylov.KrylovOptions;
import dev.argdiff.linalg.krylov.MatVec;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * A method for solving A·x = b, with its {@link Options}. The shape is Lineax's
 * {@code AbstractLinearSolver} (init / compute / transpose): {@link #prepare} binds the method to
 * one operator and does the work that does not depend on b (a factorization, a preconditioner);
 * the {@link PreparedSolver} it returns then solves for any number of right-hand sides, with A or
 * with Aᵀ. {@link LinearSolve} makes such a solve differentiable and applies the options'
 * failure policy and observer.
 *
 * <p>Methods: conjugate gradient (symmetric positive definite A), CG on the normal equations
 * AᵀA·x = Aᵀb (any nonsingular A, squares the condition number), restarted GMRES, BiCGSTAB,
 * and the dense LU and Cholesky factorizations (LAPACK). A new method is a new implementation
 * of this interface; nothing else dispatches on the method.
 *
 * <p>{@link #auto()} chooses, in this order:
 * <ol>
 *   <li>a dense factorization — Cholesky if the operator is tagged {@link Tag#SYMMETRIC} and
 *       {@link Tag#POSITIVE_DEFINITE}, LU otherwise — for an explicit matrix with n ≤
 *       {@value #DENSE_MAX_SIZE}, and for a matrix-free operator with n ≤
 *       {@value #DENSE_MAX_SIZE_MATRIX_FREE} (building its matrix costs n products, often more
 *       than a Krylov solve needs: for the Jacobian of an optimality condition each product is
 *       a JVP of F);</li>
 *   <li>CG when the operator is tagged symmetric positive definite;</li>
 *   <li>GMRES otherwise.</li>
 * </ol>
 *
 * <p>Implementations are immutable; {@link #with(Options)} and the {@code with…} shortcuts
 * return modified copies.
 */
public interface LinearSolver {

    /** The largest explicit matrix for which {@link #auto()} prefers a dense factorization. */
    int DENSE_MAX_SIZE = 200;

    /** The largest matrix-free operator for which {@link #auto()} builds the matrix and factors it. */
    int DENSE_MAX_SIZE_MATRIX_FREE = 20;

    /**
     * The options every method takes (each ignores those that do not apply to it).
     *
     * <p>Defaults: relative tolerance {@value #DEFAULT_RTOL} (a derivative is only as accurate as
     * this solve; tighter than the {@link KrylovOptions#DEFAULT_RTOL} of the bare Krylov kernels),
     * absolute tolerance 0, maxiter null (10·n, as {@link KrylovOptions}), no ridge, no
     * preconditioner, GMRES restart 20, failure policy {@link FailurePolicy#THROW}, no observer.
     *
     * @param rtol           stop when ‖b − A·x‖ ≤ max(rtol·‖b‖, atol); finite, ≥ 0. A direct
     *                       method "converges" when its residual meets the same test
     * @param atol           absolute tolerance, finite, ≥ 0
     * @param maxiter        iteration limit of a Krylov method, ≥ 1, or null for 10·n (ignored by
     *                       dense methods)
     * @param ridge          solve (A + ridge·I)·x = b; for normal CG (AᵀA + ridge·I)·x = Aᵀb, which
     *                       {@link LinearSolve} solves and differentiates as CG on that operator
     *                       (so its {@link SolveInfo} names ConjugateGradient); finite, ≥ 0
     * @param preconditioner how a Krylov method builds M⁻¹ for an operator; not null
     * @param restart        the GMRES restart length, ≥ 1
     * @param policy         what a solve that does not converge does (throw, warn or ignore)
     * @param observer       receives the diagnostics of every concrete solve (primal, tangent,
     *                       adjoint); null for none
     */
    record Options(double rtol, double atol, Integer maxiter, double ridge, Preconditioner preconditioner,
                   int restart, FailurePolicy policy, Consumer<SolveInfo> observer) {

        /** The default relative tolerance. */
        public static final double DEFAULT_RTOL = 1e-10;

        private static final Options DEFAULTS = new Options(DEFAULT_RTOL, KrylovOptions.DEFAULT_ATOL, null, 0.0,
                Preconditioner.none(), KrylovOptions.DEFAULT_RESTART, FailurePolicy.THROW, null);

        /**
         * @throws IllegalArgumentException if an option is outside its range (the message names it)
         */
        public Options {
            requireNonNegative("Options", "rtol", rtol);
            requireNonNegative("Options", "atol", atol);
            requireNonNegative("Options", "ridge", ridge);
            requireAtLeastOne("Options", "maxiter", maxiter == null ? 1 : maxiter);
            requireAtLeastOne("Options", "restart", restart);
            requireNonNull("Options", "preconditioner", preconditioner);
            requireNonNull("Options", "policy", policy);
        }

        /** The default options. */
        public static Options defaults() {
            return DEFAULTS;
        }

        /** These options with relative tolerance {@code value} (finite, ≥ 0). */
        public Options withRtol(double value) {
            requireNonNegative("withRtol", "rtol", value);
            return new Options(value, atol, maxiter, ridge, preconditioner, restart, policy, observer);
        }

        /** These options with absolute tolerance {@code value} (finite, ≥ 0). */
        public Options withAtol(double value) {
            requireNonNegative("withAtol", "atol", value);
            return new Options(rtol, value, maxiter, ridge, preconditioner, restart, policy, observer);
        }

        /** The iteration limit (≥ 1); {@link #withDefaultMaxiter()} restores 10·n. */
        public Options withMaxiter(int value) {
            requireAtLeastOne("withMaxiter", "maxiter", value);
            return new Options(rtol, atol, value, ridge, preconditioner, restart, policy, observer);
        }

        /** These options with the default iteration limit, 10·n. */
        public Options withDefaultMaxiter() {
            return new Options(rtol, atol, null, ridge, preconditioner, restart, policy, observer);
        }

        /** These options with ridge {@code value} (finite, ≥ 0). */
        public Options withRidge(double value) {
            requireNonNegative("withRidge", "ridge", value);
            return new Options(rtol, atol, maxiter, value, preconditioner, restart, policy, observer);
        }

        /** These options with another preconditioner (not null; {@link Preconditioner#none()} for none). */
        public Options withPreconditioner(Preconditioner value) {
            requireNonNull("withPreconditioner", "preconditioner", value);
            return new Options(rtol, atol, maxiter, ridge, value, restart, policy, observer);
        }

        /** These options with GMRES restart length {@code value} (≥ 1). */
        public Options withRestart(int value) {
            requireAtLeastOne("withRestart", "restart", value);
            return new Options(rtol, atol, maxiter, ridge, preconditioner, value, policy, observer);
        }

        /** These options with another failure policy (not null). */
        public Options withFailurePolicy(FailurePolicy value) {
            requireNonNull("withFailurePolicy", "policy", value);
            return new Options(rtol, atol, maxiter, ridge, preconditioner, restart, value, observer);
        }

        /** These options with another observer (null for none). */
        public Options withObserver(Consumer<SolveInfo> value) {
            return new Options(rtol, atol, maxiter, ridge, preconditioner, restart, policy, value);
        }

        /**
         * Whether a solver prepared with these options solves exactly as one prepared with
         * {@code other}: equal tolerances, limits, ridge and preconditioner (the policy and the
         * observer act after the solve).
         */
        public boolean solvesLike(Options other) {
            return Double.compare(rtol, other.rtol) == 0 && Double.compare(atol, other.atol) == 0
                    && Objects.equals(maxiter, other.maxiter) && Double.compare(ridge, other.ridge) == 0
                    && preconditioner.equals(other.preconditioner) && restart == other.restart;
        }

        /** The options of a bare Krylov solve with the given preconditioner and initial guess (each null for none). */
        KrylovOptions krylov(MatVec inverse, double[] initialGuess) {
            return new KrylovOptions(rtol, atol, maxiter, initialGuess, ridge, inverse, restart);
        }

        private static void requireNonNegative(String where, String name, double value) {
            if (!(value >= 0) || !Double.isFinite(value)) {
                throw new IllegalArgumentException("LinearSolver." + where + ": " + name
                        + " must be finite and >= 0, got " + value);
            }
        }

        private static void requireAtLeastOne(String where, String name, int value) {
            if (value < 1) {
                throw new IllegalArgumentException("LinearSolver." + where + ": " + name + " must be >= 1, got " + value);
            }
        }

        private static void requireNonNull(String where, String name, Object value) {
            if (value == null) {
                throw new IllegalArgumentException("LinearSolver." + where + ": " + name + " is null");
            }
        }
    }

    // ------------------------------------------------------------------ the methods

    /** Chooses a method per operator (see the class documentation). */
    static LinearSolver auto() {
        return new AutoSolver(Options.defaults());
    }

    /** Conjugate gradient: A symmetric positive definite (Hestenes and Stiefel 1952). */
    static LinearSolver cg() {
        return new CgSolver(Options.defaults());
    }

    /** CG on the normal equations AᵀA·x = Aᵀb: any nonsingular A, at the price of κ(A)². */
    static LinearSolver normalCg() {
        return new NormalCgSolver(Options.defaults());
    }

    /** Restarted GMRES: any nonsingular A (Saad and Schultz 1986). */
    static LinearSolver gmres() {
        return new GmresSolver(Options.defaults());
    }

    /** BiCGSTAB: any nonsingular A, short recurrences (van der Vorst 1992). */
    static LinearSolver bicgstab() {
        return new BiCgStabSolver(Options.defaults());
    }

    /** Dense LU with partial pivoting (LAPACK dgetrf); the transposed solve reuses the factors. */
    static LinearSolver lu() {
        return new LuSolver(Options.defaults());
    }

    /** Dense Cholesky (LAPACK dpotrf): A symmetric positive definite. */
    static LinearSolver cholesky() {
        return new CholeskySolver(Options.defaults());
    }

    /**
     * A solver that remembers its last preparation: asked to prepare the same operator (the same
     * products, tags and structure, {@link LinearOperator#withParams} aside) at equal parameter
     * values, or its transpose, with options that {@link Options#solvesLike solve alike}, it
     * returns the remembered one (transposed) instead of preparing again. For many right-hand
     * sides arriving one at a time: the tangent solves of the input directions of a
     * {@code jacfwd}, the adjoint solve at the same point. Copies made by {@link #with} share
     * the memory. Safe to share between threads.
     *
     * <p>The products must be deterministic functions of the parameters. A direct method checks
     * the residual of every solve with the operator's current products, so a stale factorization
     * is reported as a failed solve, never returned silently.
     */
    static LinearSolver reusing(LinearSolver solver) {
        if (solver == null) {
            throw new IllegalArgumentException("LinearSolver.reusing: solver is null");
        }
        return solver instanceof ReusingSolver ? solver : new ReusingSolver(solver);
    }

    // ------------------------------------------------------------------ the protocol

    /** A short name: "cg", "lu", "auto", … */
    String name();

    /** The options of this solver. */
    Options options();

    /** This method with other options. */
    LinearSolver with(Options options);

    /**
     * Binds this method to an operator at the concrete values of its parameters (a traced
     * parameter is read as its value): factors it, builds its preconditioner.
     *
     * @throws dev.argdiff.linalg.dense.SingularMatrixException      if a factorization finds A singular
     * @throws dev.argdiff.linalg.dense.NotPositiveDefiniteException if a Cholesky factorization finds
     *                                                                A not positive definite
     */
    PreparedSolver prepare(LinearOperator<?> operator);

    /**
     * The solver that {@link #prepare} uses for this operator: this one, except for a selector
     * such as {@link #auto()}. A solver that delegates to another should return the other's
     * choice (and its name): {@link LinearSolve} reads the name "normal-cg" to differentiate normal
     * CG with a ridge as the normal equations it solves.
     */
    default LinearSolver select(LinearOperator<?> operator) {
        return this;
    }

    // ------------------------------------------------------------------ option shortcuts
    // Each is with(options().withX(value)): see Options for meaning, range and default.

    default LinearSolver withRtol(double value) {
        return with(options().withRtol(value));
    }

    default LinearSolver withAtol(double value) {
        return with(options().withAtol(value));
    }

    default LinearSolver withMaxiter(int value) {
        return with(options().withMaxiter(value));
    }

    default LinearSolver withRidge(double value) {
        return with(options().withRidge(value));
    }

    default LinearSolver withPreconditioner(Preconditioner value) {
        return with(options().withPreconditioner(value));
    }

    default LinearSolver withRestart(int value) {
        return with(options().withRestart(value));
    }

    default LinearSolver withFailurePolicy(FailurePolicy value) {
        return with(options().withFailurePolicy(value));
    }

    default LinearSolver withObserver(Consumer<SolveInfo> value) {
        return with(options().withObserver(value));
    }
}
