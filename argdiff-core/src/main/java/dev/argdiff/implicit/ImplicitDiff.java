package dev.argdiff.implicit;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.Pytree;
import dev.argdiff.backend.Blas;
import dev.argdiff.linalg.FailurePolicy;
import dev.argdiff.linalg.LinearOperator;
import dev.argdiff.linalg.LinearSolve;
import dev.argdiff.linalg.SolveFailedException;
import dev.argdiff.linalg.SolveInfo;
import dev.argdiff.linalg.Tag;
import dev.argdiff.tensor.Tensor;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;

/**
 * Implicit differentiation of the root of an optimality condition F(x, θ) = 0.
 *
 * <p>With A = ∂ₓF and B = ∂_θF at (x*(θ), θ), the implicit function theorem gives
 * ∂x*(θ) = −A⁻¹B, used without ever forming it:
 * <ul>
 *   <li>{@link #rootJvp} (forward): solve A·t = −B·v, where B·v is a JVP of F in θ;</li>
 *   <li>{@link #rootVjp} (reverse): solve Aᵀ·u = w, return −uᵀB, a VJP of F in θ.</li>
 * </ul>
 * Products with A and Aᵀ come from autodiff of F, so the solve is matrix-free. The linear solve
 * is itself differentiable by its own implicit rule, and F's linearization is differentiable in
 * (x*, θ), so derivatives of every order (Hessians of an outer loss) are exact.
 *
 * <p>{@link #customRoot} and {@link #customFixedPoint} attach these rules to any solver, so that
 * every transform — grad, vjp, jacrev and also jvp, jacfwd, hessian — sees the implicit
 * derivative. Reference: M. Blondel, Q. Berthet, M. Cuturi, R. Frostig, S. Hoyer,
 * F. Llinares-López, F. Pedregosa, J.-P. Vert, "Efficient and Modular Implicit
 * Differentiation", NeurIPS 2022 (arXiv:2105.15183).
 *
 * <p>Certification: before differentiating, ‖F(x*, θ)‖ is measured (the Jacobian error is
 * linear in it, Theorem 1 of the paper); the linear solve's convergence is checked. Failures are
 * handled by {@link ImplicitOptions#policy()}; every measurement goes to the observer.
 *
 * <p>Arguments θ are any tree (a record is best: its components are matched by name, never by
 * position); non-tensor leaves are static and get no derivative.
 *
 * <p>Example: √θ as the root of x² − θ, found by Newton's method (which is never
 * differentiated), with its derivative 1/(2√θ) from the implicit rule:
 * <pre>{@code
 * BiFunction<Tensor, Tensor, Tensor> optimality = (x, theta) -> x.square().sub(theta);
 * BiFunction<Tensor, Tensor, Tensor> newton = (x0, theta) -> {
 *     Tensor x = x0;
 *     for (int i = 0; i < 50; i++) {
 *         x = x.sub(x.square().sub(theta).div(x.mul(2.0)));
 *     }
 *     return x;
 * };
 * BiFunction<Tensor, Tensor, Tensor> sqrt = ImplicitDiff.customRoot(optimality, newton);
 * Tensor root = sqrt.apply(Tensor.scalar(1.0), Tensor.scalar(4.0));              // 2.0
 * Tensor slope = Autodiff.grad((Tensor theta) -> sqrt.apply(Tensor.scalar(1.0), theta))
 *         .apply(Tensor.scalar(4.0));                                            // 0.25
 * }</pre>
 */
public final class ImplicitDiff {
    private ImplicitDiff() {
    }

    private static final System.Logger LOG = System.getLogger("dev.argdiff.implicit");

    /** The point at which F is linearized: the parameters of the operators A and Aᵀ. */
    private record Point<X, A>(X solution, A args) {
    }

    // ------------------------------------------------------------------ products

    /**
     * The JVP of the root: t = ∂x*(θ)·v, solving A·t = −B·v.
     *
     * @param optimality F(x, θ), returning a tree shaped like x
     * @param solution   x*, a root of F(·, θ)
     * @param args       θ
     * @param tangents   v, a tree shaped like θ
     */
    public static <X, A> X rootJvp(BiFunction<X, A, X> optimality, X solution, A args, A tangents,
                                   ImplicitOptions options) {
        requireNonNull(optimality, solution, args, options, "rootJvp");
        double residual = checkOptimality("rootJvp", optimality, solution, args, options);
        X bv = Autodiff.jvp((A a) -> optimality.apply(solution, a), args, tangents).tangent();
        X rhs = Pytree.map(bv, Tensor::neg);
        LinearOperator<X> a = jacobianOperator(optimality, solution, args, options);
        LinearSolve.Solution<X> s = solve("rootJvp", "jvp", a, rhs, residual, options);
        return s.x();
    }

    /**
     * The VJP of the root: wᵀ·∂x*(θ) = −uᵀB with Aᵀ·u = w.
     *
     * @param cotangent w, a tree shaped like x
     * @return a tree shaped like θ (static leaves passed through)
     */
    public static <X, A> A rootVjp(BiFunction<X, A, X> optimality, X solution, A args, X cotangent,
                                   ImplicitOptions options) {
        requireNonNull(optimality, solution, args, options, "rootVjp");
        double residual = checkOptimality("rootVjp", optimality, solution, args, options);
        LinearOperator<X> a = jacobianOperator(optimality, solution, args, options);
        LinearSolve.Solution<X> s = solve("rootVjp", "vjp", a.transpose(), cotangent, residual, options);
        A ubar = Autodiff.vjp((A arg) -> optimality.apply(solution, arg), args).pullback().apply(s.x());
        return Pytree.map(ubar, Tensor::neg);
    }

    /**
     * A = ∂ₓF(x*, θ) as a matrix-free operator whose parameters are (x*, θ): products are JVPs
     * (A·v) and VJPs (Aᵀ·w) of F, and they stay differentiable in (x*, θ) for higher order.
     */
    private static <X, A> LinearOperator<X> jacobianOperator(BiFunction<X, A, X> f, X solution, A args,
                                                             ImplicitOptions options) {
        LinearOperator<X> op = LinearOperator.fromMatvec(new Point<>(solution, args),
                (Point<X, A> p, X v) -> Autodiff.jvp((X x) -> f.apply(x, p.args()), p.solution(), v).tangent(),
                solution);
        // Aᵀ·w by reverse mode; at concrete parameters (all Krylov iterations of one solve) the
        // pullback of F is recorded once and reused.
        AtomicReference<Object[]> cache = new AtomicReference<>();
        op = op.withTranspose((Point<X, A> p, X w) -> {
            Object[] c = cache.get();
            if (c == null || c[0] != p) {
                java.util.function.Function<X, X> pullback =
                        Autodiff.vjp((X x) -> f.apply(x, p.args()), p.solution()).pullback();
                c = new Object[] {p, pullback};
                if (Pytree.isConcrete(p)) {
                    cache.set(c);
                }
            }
            @SuppressWarnings("unchecked")
            java.util.function.Function<X, X> pb = (java.util.function.Function<X, X>) c[1];
            return pb.apply(w);
        });
        if (options.symmetric()) {
            // F = ∇ₓf: A is the Hessian, symmetric, and positive definite at a strict minimum.
            op = op.withTags(Tag.SYMMETRIC, Tag.POSITIVE_DEFINITE);
        }
        return op;
    }


    private static <X> LinearSolve.Solution<X> solve(String op, String mode, LinearOperator<X> a, X rhs,
                                                     double residual, ImplicitOptions options) {
        AtomicReference<SolveInfo> last = new AtomicReference<>();
        AtomicBoolean primalReported = new AtomicBoolean();
        // The linear solver must not throw on its own: the implicit layer applies the policy with context.
        var solver = options.solver().withFailurePolicy(FailurePolicy.IGNORE).withObserver(info -> {
            last.set(info);
            if (options.solver().observer() != null) {
                options.solver().observer().accept(info);
            }
            // The first solve reported is this tangent/adjoint solve itself (checked below). Later ones come from the
            // derivative rules of that linear solve (second and higher order: a Hessian, grad of grad) and run with this
            // same IGNORE solver, possibly long after this method returned (in a backward pass): check them here.
            if (!primalReported.compareAndSet(false, true)) {
                ImplicitDiagnostics d = new ImplicitDiagnostics(mode, residual, options.optimalityTolerance(), info);
                report(options, d);
                if (!info.converged()) {
                    fail(options, op + ": a linear solve of a higher-order derivative (differentiating the "
                            + (mode.equals("vjp") ? "adjoint" : "tangent") + " solve) did not converge: "
                            + info.summary() + ". The derivative would be wrong; raise the linear solver's "
                            + "maxiter/tolerance or regularize.", d);
                }
            }
        });
        LinearSolve.Solution<X> s;
        try {
            s = LinearSolve.solveWithInfo(a, rhs, null, solver);
        } catch (SolveFailedException e) {
            ImplicitDiagnostics d = new ImplicitDiagnostics(mode, residual, options.optimalityTolerance(), e.info());
            report(options, d);
            boolean notPd = e.getCause() instanceof dev.argdiff.linalg.dense.NotPositiveDefiniteException;
            // A Cholesky failure cannot tell an exactly singular matrix (its last pivot is ±rounding) from an
            // indefinite one, so its message names both causes.
            throw new ImplicitDiffException(op + (notPd
                    ? ": the optimality Jacobian ∂ₓF is singular or not positive definite: either the solution is not "
                    + "locally unique (e.g. duplicated features without regularization), or ∂ₓF is indefinite while the "
                    + "options declare it symmetric positive definite (withSymmetric(true) is right for F = ∇f at a "
                    + "strict minimum; the fixed-point residual T(x) − x of a gradient step is negative definite): "
                    : ": the optimality Jacobian ∂ₓF is singular or cannot be factored "
                    + "(the solution is not locally unique, e.g. duplicated features without regularization): ")
                    + e.getMessage(), d, e);
        }
        SolveInfo info = s.info() != null ? s.info() : last.get();
        ImplicitDiagnostics d = new ImplicitDiagnostics(mode, residual, options.optimalityTolerance(), info);
        report(options, d);
        boolean finite = Pytree.leaves(s.x()).stream().allMatch(Tensor::isFinite);
        if (info != null && (!info.converged() || !finite)) {
            boolean breakdown = info.message() != null && info.message().startsWith("BREAKDOWN");
            fail(options, op + ": the " + (mode.equals("vjp") ? "adjoint" : "tangent") + " linear solve "
                    + (finite ? "did not converge" : "produced non-finite values") + ": " + info.summary()
                    + (breakdown ? ". ∂ₓF appears singular or indefinite (a breakdown of the Krylov method): regularize "
                    + "the problem or use a solver for indefinite systems (gmres)."
                    : ". The derivative would be wrong; raise the linear solver's maxiter/tolerance or regularize."), d);
        }
        return s;
    }

    /** Measures ‖F(x*, θ)‖ / max(1, ‖x*‖) on concrete values and applies the policy. */
    private static <X, A> double checkOptimality(String op, BiFunction<X, A, X> f, X solution, A args,
                                                 ImplicitOptions options) {
        X sol = Autodiff.stopGradient(solution);
        A arg = Autodiff.stopGradient(args);
        X value = f.apply(sol, arg);
        requireShapedLike(op, value, sol);
        double[] r = Pytree.toArray(value);
        double[] x = Pytree.toArray(sol);
        double rn = Blas.nrm2(r.length, r, 0);
        double xn = Blas.nrm2(x.length, x, 0);
        double residual = rn / Math.max(1.0, xn);
        if (!(residual <= options.optimalityTolerance())) {
            ImplicitDiagnostics d = new ImplicitDiagnostics(op.equals("rootVjp") ? "vjp" : "jvp", residual,
                    options.optimalityTolerance(), null);
            report(options, d);
            fail(options, String.format(java.util.Locale.ROOT,
                    "%s: the solution is not a root of the optimality condition: ‖F(x*, θ)‖/max(1, ‖x*‖) = %.3e exceeds "
                            + "the tolerance %.1e. The implicit derivative's error grows linearly with this residual "
                            + "(Blondel et al. 2022, Thm. 1): run the solver longer or loosen optimalityTolerance.",
                    op, residual, options.optimalityTolerance()), d);
        }
        return residual;
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
            ok = java.util.Arrays.equals(fv.leaves().get(i).shape(), fs.leaves().get(i).shape());
        }
        if (!ok) {
            throw new IllegalArgumentException(op + ": the optimality function F(x, θ) must return a tree shaped like x "
                    + "(e.g. the gradient ∇ₓf, not the objective f; or T(x) − x), but it returned leaf shapes "
                    + (fv == null ? "null" : shapes(fv.leaves())) + " for x of leaf shapes " + shapes(fs.leaves()));
        }
    }

    private static String shapes(java.util.List<Tensor> leaves) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < leaves.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(java.util.Arrays.toString(leaves.get(i).shape()));
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

    private static void requireNonNull(Object f, Object sol, Object args, Object options, String op) {
        if (f == null) {
            throw new IllegalArgumentException(op + ": optimality function is null");
        }
        if (sol == null) {
            throw new IllegalArgumentException(op + ": solution is null");
        }
        if (args == null) {
            throw new IllegalArgumentException(op + ": args is null");
        }
        if (options == null) {
            throw new IllegalArgumentException(op + ": options is null");
        }
    }

    // ------------------------------------------------------------------ decorators

    /**
     * Adds implicit differentiation to a solver {@code (init, θ) -> x*} whose solutions are roots
     * of {@code optimality}. The returned function computes the same solution; every transform
     * differentiates it implicitly with respect to θ (the initial guess gets a zero derivative).
     * The solver runs on concrete values, so its iterations are never recorded. The returned
     * function remembers its last solution: called again with equal (init, θ) — as every column
     * of a forward-mode Jacobian or Hessian does — it does not solve again (the solver must be
     * deterministic).
     */
    public static <X, A> BiFunction<X, A, X> customRoot(BiFunction<X, A, X> optimality, BiFunction<X, A, X> solver,
                                                        ImplicitOptions options) {
        if (optimality == null || solver == null || options == null) {
            throw new IllegalArgumentException("customRoot: optimality, solver and options must not be null");
        }
        LastSolution<X, A, X> remembering = new LastSolution<>(solver);
        return (init, args) -> {
            X init0 = Autodiff.stopGradient(init);
            return Autodiff.customDerivatives(
                    (A a) -> remembering.apply(init0, a),
                    (A a, X x, A t) -> rootJvp(optimality, x, a, t, options),
                    (A a, X x, X w) -> rootVjp(optimality, x, a, w, options)
            ).apply(args);
        };
    }

    /** {@link #customRoot} with the default options. */
    public static <X, A> BiFunction<X, A, X> customRoot(BiFunction<X, A, X> optimality, BiFunction<X, A, X> solver) {
        return customRoot(optimality, solver, ImplicitOptions.defaults());
    }

    /**
     * {@link #customRoot} for a solver that also returns auxiliary data (a state); the
     * auxiliary data gets no derivative (JAXopt's {@code has_aux}).
     */
    public static <X, A, Y> BiFunction<X, A, WithAux<X, Y>> customRootWithAux(
            BiFunction<X, A, X> optimality, BiFunction<X, A, WithAux<X, Y>> solver, ImplicitOptions options) {
        if (optimality == null || solver == null || options == null) {
            throw new IllegalArgumentException("customRootWithAux: optimality, solver and options must not be null");
        }
        LastSolution<X, A, WithAux<X, Y>> remembering = new LastSolution<>(solver);
        return (init, args) -> {
            X init0 = Autodiff.stopGradient(init);
            return Autodiff.customDerivatives(
                    (A a) -> remembering.apply(init0, a),
                    (A a, WithAux<X, Y> out, A t) -> new WithAux<>(rootJvp(optimality, out.solution(), a, t, options),
                            Pytree.zerosLike(out.aux())),
                    (A a, WithAux<X, Y> out, WithAux<X, Y> w) -> rootVjp(optimality, out.solution(), a, w.solution(),
                            options)
            ).apply(args);
        };
    }

    /**
     * Adds implicit differentiation to a fixed-point solver: its solutions satisfy
     * x = T(x, θ), i.e. they are roots of F(x, θ) = T(x, θ) − x.
     */
    public static <X, A> BiFunction<X, A, X> customFixedPoint(BiFunction<X, A, X> fixedPointMap,
                                                              BiFunction<X, A, X> solver, ImplicitOptions options) {
        return customRoot(fixedPointResidual(fixedPointMap), solver, options);
    }

    /** {@link #customFixedPoint} for a solver with auxiliary output. */
    public static <X, A, Y> BiFunction<X, A, WithAux<X, Y>> customFixedPointWithAux(
            BiFunction<X, A, X> fixedPointMap, BiFunction<X, A, WithAux<X, Y>> solver, ImplicitOptions options) {
        return customRootWithAux(fixedPointResidual(fixedPointMap), solver, options);
    }

    /** F(x, θ) = T(x, θ) − x. */
    public static <X, A> BiFunction<X, A, X> fixedPointResidual(BiFunction<X, A, X> fixedPointMap) {
        if (fixedPointMap == null) {
            throw new IllegalArgumentException("fixedPointResidual: map is null");
        }
        return (x, a) -> Pytree.map2(fixedPointMap.apply(x, a), x, Tensor::sub);
    }
}
