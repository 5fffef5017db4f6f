package dev.argdiff.implicit;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.Pytree;
import dev.argdiff.implicit.ImplicitDiagnostics.Mode;
import dev.argdiff.linalg.FailurePolicy;
import dev.argdiff.linalg.LinearOperator;
import dev.argdiff.linalg.LinearSolve;
import dev.argdiff.linalg.LinearSolver;
import dev.argdiff.linalg.SolveFailedException;
import dev.argdiff.linalg.SolveInfo;
import dev.argdiff.linalg.dense.NotSymmetricException;
import dev.argdiff.tensor.Tensor;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * The certification of an implicit derivative, apart from its mathematics ({@link ImplicitDiff}):
 * the optimality residual ‖F(x*, θ)‖ at the point differentiated (the derivative's error is linear
 * in it, Blondel et al. 2022, Theorem 1), the convergence of the tangent or adjoint solve and of
 * every solve the derivative rules of that solve make later (Hessians, grad of grad), and what
 * {@link ImplicitOptions#policy()} does with a failure: THROW an {@link ImplicitDiffException},
 * WARN in the log, or IGNORE — under WARN/IGNORE a factorization that fails falls back to GMRES,
 * whose result is checked like any other. Every measurement goes to the options' observer.
 */
final class Certification {
    private Certification() {
    }

    private static final System.Logger LOG = System.getLogger("dev.argdiff.implicit");

    /**
     * Measures ‖F(x*, θ)‖ / max(1, ‖x*‖) on concrete values and applies the policy when it exceeds
     * the optimality tolerance.
     *
     * @return the relative residual
     * @throws IllegalArgumentException if F does not return a tree shaped like x
     * @throws ImplicitDiffException    under THROW, if the residual exceeds the tolerance
     */
    static <X, A> double optimality(Mode mode, BiFunction<X, A, X> f, X solution, A args, ImplicitOptions options) {
        X sol = Autodiff.stopGradient(solution);
        return optimality(mode, f.apply(sol, Autodiff.stopGradient(args)), sol, options);
    }

    /**
     * {@link #optimality(Mode, BiFunction, Object, Object, ImplicitOptions)} given the value
     * F(x*, θ) already evaluated on concrete values at this point (by closure conversion's
     * discovery), so that F is not evaluated again.
     */
    static <X> double optimality(Mode mode, X value, X solution, ImplicitOptions options) {
        X sol = Autodiff.stopGradient(solution);
        requireShapedLike(mode.operation(), value, sol);
        double rn = Pytree.norm(value);
        double xn = Pytree.norm(sol);
        double residual = rn / Math.max(1.0, xn);
        if (!(residual <= options.optimalityTolerance())) {
            ImplicitDiagnostics d = new ImplicitDiagnostics(mode, residual, options.optimalityTolerance(), null);
            report(options, d);
            // A NaN or infinite residual is an overflow, which running longer cannot cure.
            String advice = Double.isFinite(rn) && Double.isFinite(xn)
                    ? "The implicit derivative's error grows linearly with this residual (Blondel et al. 2022, Thm. 1): "
                    + "run the solver longer or loosen optimalityTolerance."
                    : "The values overflowed (‖F‖ = " + rn + ", ‖x*‖ = " + xn + "): the data or parameters are too "
                    + "large in magnitude for double arithmetic; rescale them.";
            fail(options, String.format(Locale.ROOT,
                    "%s: the solution is not a root of the optimality condition: ‖F(x*, θ)‖/max(1, ‖x*‖) = %.3e exceeds "
                            + "the tolerance %.1e. %s", mode.operation(), residual, options.optimalityTolerance(),
                    advice), d);
        }
        return residual;
    }

    /**
     * Solves the tangent or adjoint system a·x = rhs with {@code linear}, never letting the linear
     * layer throw on its own: its failures, and those of the solves its derivative rules make
     * later, are judged here with context.
     *
     * @param residual the optimality residual measured before, for the diagnostics
     * @throws ImplicitDiffException under THROW, if the solve fails
     */
    static <X> X solve(Mode mode, LinearOperator<X> a, X rhs, double residual, ImplicitOptions options,
                       LinearSolver linear) {
        Watch watch = new Watch(mode, residual, options);
        LinearSolve.Solution<X> s;
        try {
            s = LinearSolve.solveWithInfo(a, rhs, null, linear.withFailurePolicy(FailurePolicy.IGNORE)
                    .withObserver(watch));
        } catch (SolveFailedException | NotSymmetricException e) {
            SolveInfo failed = e instanceof SolveFailedException ? ((SolveFailedException) e).info() : null;
            ImplicitDiagnostics d = new ImplicitDiagnostics(mode, residual, options.optimalityTolerance(), failed);
            report(options, d);
            String message = factorizationFailure(mode.operation(), e);
            if (options.policy() == FailurePolicy.THROW) {
                throw new ImplicitDiffException(message, d, e);
            }
            // WARN / IGNORE: the factorization has no answer, but the caller asked for a value with a warning (or none)
            // rather than an exception — as an unconverged Krylov solve gives. GMRES needs neither symmetry nor
            // definiteness, and its minimal-residual iterate goes through the same convergence check below, so a
            // singular system still reports "did not converge" to the observer and (WARN) the log.
            fail(options, message + " Falling back to GMRES (policy " + options.policy() + ").", d);
            LinearSolver.Options o = options.solver().options();
            LinearSolver fallback = LinearSolver.gmres().withRtol(o.rtol()).withAtol(o.atol())
                    .withFailurePolicy(FailurePolicy.IGNORE).withObserver(watch);
            if (o.maxiter() != null) {
                fallback = fallback.withMaxiter(o.maxiter());
            }
            watch.restart();
            s = LinearSolve.solveWithInfo(a, rhs, null, fallback);
        }
        SolveInfo info = s.info() != null ? s.info() : watch.last();
        ImplicitDiagnostics d = new ImplicitDiagnostics(mode, residual, options.optimalityTolerance(), info);
        report(options, d);
        boolean finite = Pytree.leaves(s.x()).stream().allMatch(Tensor::isFinite);
        if (info != null && (!info.converged() || !finite)) {
            boolean breakdown = info.status() == SolveInfo.Status.BREAKDOWN;
            fail(options, mode.operation() + ": the " + mode.system() + " linear solve "
                    + (finite ? "did not converge" : "produced non-finite values") + ": " + info.summary()
                    + (breakdown ? ". ∂ₓF appears singular or indefinite (a breakdown of the Krylov method): regularize "
                    + "the problem or use a solver for indefinite systems (gmres)."
                    : ". The derivative would be wrong; raise the linear solver's maxiter/tolerance or regularize."), d);
        }
        return s.x();
    }

    /**
     * The observer of one certified solve. The first solve it hears is that solve itself (checked
     * by {@link #solve} on return). Later ones come from the derivative rules of that linear solve
     * (second and higher order) and run with the same IGNORE solver, possibly long after
     * {@code solve} returned (in a backward pass, perhaps on another thread): they are checked
     * here, as they happen.
     */
    private static final class Watch implements Consumer<SolveInfo> {
        private final Mode mode;
        private final double residual;
        private final ImplicitOptions options;
        private final AtomicReference<SolveInfo> last = new AtomicReference<>();
        private final AtomicBoolean primalHeard = new AtomicBoolean();

        Watch(Mode mode, double residual, ImplicitOptions options) {
            this.mode = mode;
            this.residual = residual;
            this.options = options;
        }

        @Override
        public void accept(SolveInfo info) {
            last.set(info);
            Consumer<SolveInfo> user = options.solver().options().observer();
            if (user != null) {
                user.accept(info);
            }
            if (!primalHeard.compareAndSet(false, true)) {
                ImplicitDiagnostics d = new ImplicitDiagnostics(mode, residual, options.optimalityTolerance(), info);
                report(options, d);
                if (!info.converged()) {
                    fail(options, mode.operation() + ": a linear solve of a higher-order derivative (differentiating "
                            + "the " + mode.system() + " solve) did not converge: " + info.summary() + ". The derivative "
                            + "would be wrong; raise the linear solver's maxiter/tolerance or regularize.", d);
                }
            }
        }

        /** The solve heard last, for a solver that returned no info of its own. */
        SolveInfo last() {
            return last.get();
        }

        /** The next solve heard is a primal solve again (the fallback after a failed factorization). */
        void restart() {
            primalHeard.set(false);
        }
    }

    /** The message of a factorization that failed inside a tangent/adjoint solve. */
    private static String factorizationFailure(String op, RuntimeException e) {
        if (e instanceof NotSymmetricException) {
            return op + ": the optimality condition is declared symmetric (ImplicitOptions.withSymmetric(true), which "
                    + "selects Cholesky or CG), but its Jacobian ∂ₓF is not symmetric: " + e.getMessage() + ". Declare "
                    + "it symmetric only when F = ∇ₓf; a fixed-point residual T(x) − x or a proximal-gradient residual "
                    + "is not symmetric in general.";
        }
        // A Cholesky failure cannot tell an exactly singular matrix (its last pivot is ±rounding) from an
        // indefinite one, so its message names both causes.
        boolean notPd = e instanceof SolveFailedException f && f.info() != null
                && f.info().status() == SolveInfo.Status.NOT_POSITIVE_DEFINITE;
        return op + (notPd
                ? ": the optimality Jacobian ∂ₓF is singular or not positive definite: either the solution is not "
                + "locally unique (e.g. duplicated features without regularization), or ∂ₓF is indefinite while the "
                + "options declare it symmetric positive definite (withSymmetric(true) is right for F = ∇f at a "
                + "strict minimum; the fixed-point residual T(x) − x of a gradient step is negative definite): "
                : ": the optimality Jacobian ∂ₓF is singular or cannot be factored "
                + "(the solution is not locally unique, e.g. duplicated features without regularization): ")
                + e.getMessage();
    }

    /**
     * F(x, θ) must be a tree shaped like x (A = ∂ₓF is square). The usual mistake — passing the
     * objective f instead of its gradient — would otherwise fail deep inside the linear solve with
     * a message about internal cotangents or right-hand sides.
     */
    private static void requireShapedLike(String op, Object value, Object solution) {
        Pytree.Flat fv = value == null ? null : Pytree.flatten(value);
        Pytree.Flat fs = Pytree.flatten(solution);
        boolean ok = fv != null && fv.leaves().size() == fs.leaves().size();
        for (int i = 0; ok && i < fs.leaves().size(); i++) {
            ok = Arrays.equals(fv.leaves().get(i).shape(), fs.leaves().get(i).shape());
        }
        if (!ok) {
            throw new IllegalArgumentException(op + ": the optimality function F(x, θ) must return a tree shaped like x "
                    + "(e.g. the gradient ∇ₓf, not the objective f; or T(x) − x), but it returned leaf shapes "
                    + (fv == null ? "null" : shapes(fv.leaves())) + " for x of leaf shapes " + shapes(fs.leaves()));
        }
    }

    private static String shapes(List<Tensor> leaves) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < leaves.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(Arrays.toString(leaves.get(i).shape()));
        }
        return sb.append(']').toString();
    }

    private static void report(ImplicitOptions options, ImplicitDiagnostics d) {
        if (options.observer() != null) {
            options.observer().accept(d);
        }
    }

    private static void fail(ImplicitOptions options, String message, ImplicitDiagnostics d) {
        switch (options.policy()) {
            case THROW:
                throw new ImplicitDiffException(message, d, null);
            case WARN:
                LOG.log(System.Logger.Level.WARNING, message);
                break;
            default:
                break;
        }
    }
}
