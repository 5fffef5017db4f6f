package dev.argdiff.implicit;

import dev.argdiff.linalg.FailurePolicy;
import dev.argdiff.linalg.LinearSolver;

import java.util.function.Consumer;

/**
 * How implicit derivatives are computed and certified. Immutable; {@code with…} return copies.
 *
 * <ul>
 *   <li>{@code solver}: the linear solver of the tangent/adjoint systems. Default
 *       {@link LinearSolver#auto()}: the Jacobian ∂ₓF is matrix-free (its products are JVPs and
 *       VJPs of F), so a dense factorization for at most
 *       {@value LinearSolver#DENSE_MAX_SIZE_MATRIX_FREE} unknowns, else CG when the optimality
 *       condition is declared {@code symmetric}, else GMRES.</li>
 *   <li>{@code symmetric}: F is the gradient of an objective, so ∂ₓF is a symmetric (Hessian)
 *       matrix, positive definite at a strict minimum. Default false.</li>
 *   <li>{@code optimalityTolerance}: the largest acceptable ‖F(x*, θ)‖₂ / max(1, ‖x*‖₂) at the
 *       solution being differentiated. Default 1e-6 (a solver's {@code run} uses its own {@code tol}
 *       unless this was set explicitly).</li>
 *   <li>{@code policy}: what happens when the optimality residual or the linear solve fails its
 *       tolerance: {@link FailurePolicy#THROW} (default), WARN or IGNORE.</li>
 *   <li>{@code observer}: receives the {@link ImplicitDiagnostics} of every derivative computation.</li>
 * </ul>
 */
public final class ImplicitOptions {
    private final LinearSolver solver;
    private final boolean symmetric;
    private final double optimalityTolerance;
    private final boolean optimalityToleranceSet;
    private final FailurePolicy policy;
    private final Consumer<ImplicitDiagnostics> observer;

    private ImplicitOptions(LinearSolver solver, boolean symmetric, double optimalityTolerance,
                            boolean optimalityToleranceSet, FailurePolicy policy, Consumer<ImplicitDiagnostics> observer) {
        this.solver = solver;
        this.symmetric = symmetric;
        this.optimalityTolerance = optimalityTolerance;
        this.optimalityToleranceSet = optimalityToleranceSet;
        this.policy = policy;
        this.observer = observer;
    }

    /** The default options. */
    public static ImplicitOptions defaults() {
        return new ImplicitOptions(LinearSolver.auto(), false, 1e-6, false, FailurePolicy.THROW, null);
    }

    /** These options with this linear solver for the implicit systems. */
    public ImplicitOptions withSolver(LinearSolver value) {
        if (value == null) {
            throw new IllegalArgumentException("ImplicitOptions.withSolver: solver is null");
        }
        return new ImplicitOptions(value, symmetric, optimalityTolerance, optimalityToleranceSet, policy, observer);
    }

    /** These options, declaring whether the optimality condition's Jacobian is symmetric. */
    public ImplicitOptions withSymmetric(boolean value) {
        return new ImplicitOptions(solver, value, optimalityTolerance, optimalityToleranceSet, policy, observer);
    }

    /** These options with this tolerance on the optimality residual. */
    public ImplicitOptions withOptimalityTolerance(double value) {
        if (!(value >= 0)) {
            throw new IllegalArgumentException("ImplicitOptions.withOptimalityTolerance: must be >= 0, got " + value);
        }
        return new ImplicitOptions(solver, symmetric, value, true, policy, observer);
    }

    /** These options with this failure policy. */
    public ImplicitOptions withPolicy(FailurePolicy value) {
        if (value == null) {
            throw new IllegalArgumentException("ImplicitOptions.withPolicy: policy is null");
        }
        return new ImplicitOptions(solver, symmetric, optimalityTolerance, optimalityToleranceSet, value, observer);
    }

    /** These options with an observer of every implicit derivative's diagnostics. */
    public ImplicitOptions withObserver(Consumer<ImplicitDiagnostics> value) {
        return new ImplicitOptions(solver, symmetric, optimalityTolerance, optimalityToleranceSet, policy, value);
    }

    /** The linear solver of the implicit systems. */
    public LinearSolver solver() {
        return solver;
    }

    /** Whether the optimality condition's Jacobian is declared symmetric. */
    public boolean symmetric() {
        return symmetric;
    }

    /** The tolerance on the optimality residual. */
    public double optimalityTolerance() {
        return optimalityTolerance;
    }

    /**
     * Whether the optimality tolerance was set explicitly; when not, a solver's {@code run}
     * uses its own stopping tolerance instead of the default 1e-6.
     */
    public boolean optimalityToleranceIsSet() {
        return optimalityToleranceSet;
    }

    /** What happens when a check fails. */
    public FailurePolicy policy() {
        return policy;
    }

    /** The observer that receives the diagnostics of every implicit derivative. */
    public Consumer<ImplicitDiagnostics> observer() {
        return observer;
    }
}
