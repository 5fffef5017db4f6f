package dev.argdiff.linalg;

import java.util.Locale;
import java.util.function.Consumer;

/**
 * A choice of linear-solve method and its options. Immutable; {@code with…} methods return
 * modified copies.
 *
 * <p>Methods: conjugate gradient (symmetric positive definite A), CG on the normal equations
 * AᵀA·x = Aᵀb (any nonsingular A, squares the condition number), restarted GMRES, BiCGSTAB,
 * and the dense LU and Cholesky factorizations (LAPACK).
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
 * <p>Defaults: relative tolerance 1e-10 (a derivative is only as accurate as this solve),
 * absolute tolerance 0, maxiter 10·n, no ridge, no preconditioner, GMRES restart 20, failure
 * policy {@link FailurePolicy#THROW}.
 */
public final class LinearSolver {

    /** The largest explicit matrix for which {@link #auto()} prefers a dense factorization. */
    public static final int DENSE_MAX_SIZE = 200;

    /** The largest matrix-free operator for which {@link #auto()} builds the matrix and factors it. */
    public static final int DENSE_MAX_SIZE_MATRIX_FREE = 20;

    /** The available methods. */
    public enum Method {
        /** Chosen from the operator's tags and size. */
        AUTO,
        /** Conjugate gradient (symmetric positive definite). */
        CG,
        /** Conjugate gradient on the normal equations (any operator). */
        NORMAL_CG,
        /** Restarted GMRES (general square). */
        GMRES,
        /** BiCGSTAB (general square). */
        BICGSTAB,
        /** Dense LU factorization (general square). */
        LU,
        /** Dense Cholesky factorization (symmetric positive definite). */
        CHOLESKY
    }

    private final Method method;
    private final double rtol;
    private final double atol;
    private final int maxiter;
    private final double ridge;
    private final Preconditioner preconditioner;
    private final int restart;
    private final FailurePolicy policy;
    private final Consumer<SolveInfo> observer;

    private LinearSolver(Method method, double rtol, double atol, int maxiter, double ridge,
                         Preconditioner preconditioner, int restart, FailurePolicy policy, Consumer<SolveInfo> observer) {
        this.method = method;
        this.rtol = rtol;
        this.atol = atol;
        this.maxiter = maxiter;
        this.ridge = ridge;
        this.preconditioner = preconditioner;
        this.restart = restart;
        this.policy = policy;
        this.observer = observer;
    }

    private static LinearSolver of(Method m) {
        return new LinearSolver(m, 1e-10, 0.0, 0, 0.0, Preconditioner.none(), 20, FailurePolicy.THROW, null);
    }

    /** A solver that chooses the method from the operator's tags and size. */
    public static LinearSolver auto() {
        return of(Method.AUTO);
    }

    /** Conjugate gradient, for symmetric positive definite operators. */
    public static LinearSolver cg() {
        return of(Method.CG);
    }

    /** Conjugate gradient on the normal equations, for any operator (least squares). */
    public static LinearSolver normalCg() {
        return of(Method.NORMAL_CG);
    }

    /** Restarted GMRES, for general square operators. */
    public static LinearSolver gmres() {
        return of(Method.GMRES);
    }

    /** BiCGSTAB, for general square operators. */
    public static LinearSolver bicgstab() {
        return of(Method.BICGSTAB);
    }

    /** A dense LU factorization, for general square operators. */
    public static LinearSolver lu() {
        return of(Method.LU);
    }

    /** A dense Cholesky factorization, for symmetric positive definite operators. */
    public static LinearSolver cholesky() {
        return of(Method.CHOLESKY);
    }

    // ------------------------------------------------------------------ options

    /** Stop when ‖b − A·x‖ ≤ max(rtol·‖b‖, atol). */
    public LinearSolver withRtol(double value) {
        if (!(value >= 0) || !Double.isFinite(value)) {
            throw new IllegalArgumentException("LinearSolver.withRtol: rtol must be finite and >= 0, got " + value);
        }
        return new LinearSolver(method, value, atol, maxiter, ridge, preconditioner, restart, policy, observer);
    }

    /** This solver with this absolute tolerance. */
    public LinearSolver withAtol(double value) {
        if (!(value >= 0) || !Double.isFinite(value)) {
            throw new IllegalArgumentException("LinearSolver.withAtol: atol must be finite and >= 0, got " + value);
        }
        return new LinearSolver(method, rtol, value, maxiter, ridge, preconditioner, restart, policy, observer);
    }

    /** The iteration limit of a Krylov method (ignored by dense ones). */
    public LinearSolver withMaxiter(int value) {
        if (value < 1) {
            throw new IllegalArgumentException("LinearSolver.withMaxiter: maxiter must be >= 1, got " + value);
        }
        return new LinearSolver(method, rtol, atol, value, ridge, preconditioner, restart, policy, observer);
    }

    /**
     * Solve (A + ridge·I)·x = b instead. For normal CG: (AᵀA + ridge·I)·x = Aᵀb, which
     * {@link LinearSolve} solves and differentiates as CG on that operator (so its
     * {@link SolveInfo} names ConjugateGradient).
     */
    public LinearSolver withRidge(double value) {
        if (!(value >= 0) || !Double.isFinite(value)) {
            throw new IllegalArgumentException("LinearSolver.withRidge: ridge must be finite and >= 0, got " + value);
        }
        return new LinearSolver(method, rtol, atol, maxiter, value, preconditioner, restart, policy, observer);
    }

    /** This solver with this preconditioner. */
    public LinearSolver withPreconditioner(Preconditioner value) {
        if (value == null) {
            throw new IllegalArgumentException("LinearSolver.withPreconditioner: preconditioner is null");
        }
        return new LinearSolver(method, rtol, atol, maxiter, ridge, value, restart, policy, observer);
    }

    /** The GMRES restart length. */
    public LinearSolver withRestart(int value) {
        if (value < 1) {
            throw new IllegalArgumentException("LinearSolver.withRestart: restart must be >= 1, got " + value);
        }
        return new LinearSolver(method, rtol, atol, maxiter, ridge, preconditioner, value, policy, observer);
    }

    /** What a solve that does not converge does (throw, warn or ignore). */
    public LinearSolver withFailurePolicy(FailurePolicy value) {
        if (value == null) {
            throw new IllegalArgumentException("LinearSolver.withFailurePolicy: policy is null");
        }
        return new LinearSolver(method, rtol, atol, maxiter, ridge, preconditioner, restart, value, observer);
    }

    /** Receives the diagnostics of every concrete solve made with this solver (primal, tangent, adjoint). */
    public LinearSolver withObserver(Consumer<SolveInfo> value) {
        return new LinearSolver(method, rtol, atol, maxiter, ridge, preconditioner, restart, policy, value);
    }

    /** This solver with another method and the same options. */
    LinearSolver withMethod(Method value) {
        return new LinearSolver(value, rtol, atol, maxiter, ridge, preconditioner, restart, policy, observer);
    }

    /** The method. */
    public Method method() {
        return method;
    }

    /** The relative tolerance. */
    public double rtol() {
        return rtol;
    }

    /** The absolute tolerance. */
    public double atol() {
        return atol;
    }

    /** The iteration limit, or 0 for the default 10·n. */
    public int maxiter() {
        return maxiter;
    }

    /** The ridge added to the operator's diagonal. */
    public double ridge() {
        return ridge;
    }

    /** The preconditioner. */
    public Preconditioner preconditioner() {
        return preconditioner;
    }

    /** The GMRES restart length. */
    public int restart() {
        return restart;
    }

    /** What happens when a check fails. */
    public FailurePolicy policy() {
        return policy;
    }

    /** The observer that receives the report of every solve. */
    public Consumer<SolveInfo> observer() {
        return observer;
    }

    /** The concrete method {@link #auto()} picks for an operator (or the fixed method). */
    public Method methodFor(LinearOperator<?> operator) {
        if (method != Method.AUTO) {
            return method;
        }
        boolean spd = operator.has(Tag.SYMMETRIC) && operator.has(Tag.POSITIVE_DEFINITE);
        if (operator.size() <= (operator.isMatrix() ? DENSE_MAX_SIZE : DENSE_MAX_SIZE_MATRIX_FREE)) {
            return spd ? Method.CHOLESKY : Method.LU;
        }
        return spd ? Method.CG : Method.GMRES;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "LinearSolver(%s, rtol=%.1e, atol=%.1e, maxiter=%s, ridge=%s, policy=%s)",
                method.name().toLowerCase(), rtol, atol, maxiter == 0 ? "10n" : maxiter, ridge, policy);
    }
}
