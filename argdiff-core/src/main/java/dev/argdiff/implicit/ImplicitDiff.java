package dev.argdiff.implicit;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.ClosureConversion;
import dev.argdiff.ad.Pytree;
import dev.argdiff.backend.Blas;
import dev.argdiff.linalg.FailurePolicy;
import dev.argdiff.linalg.LinearOperator;
import dev.argdiff.linalg.LinearSolve;
import dev.argdiff.linalg.LinearSolver;
import dev.argdiff.linalg.SolveFailedException;
import dev.argdiff.linalg.SolveInfo;
import dev.argdiff.linalg.Tag;
import dev.argdiff.linalg.dense.NotSymmetricException;
import dev.argdiff.tensor.internal.Dispatch;
import dev.argdiff.tensor.Tensor;

import java.util.Arrays;
import java.util.List;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;

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
        return rootJvp(optimality, solution, args, tangents, options, new Linearization<>(options));
    }

    /** {@link #rootJvp} solving with the Jacobian operator and prepared solver that {@code lin} remembers. */
    private static <X, A> X rootJvp(BiFunction<X, A, X> optimality, X solution, A args, A tangents,
                                    ImplicitOptions options, Linearization<X, A> lin) {
        double residual = checkOptimality("rootJvp", optimality, solution, args, options);
        X bv = Autodiff.jvp((A a) -> optimality.apply(solution, a), args, tangents).tangent();
        X rhs = Pytree.map(bv, Tensor::neg);
        LinearOperator<X> a = lin.operator(solution, args, () -> jacobianOperator(optimality, solution, args, options))
                .withParams(new Point<>(solution, args));
        LinearSolve.Solution<X> s = solve("rootJvp", "jvp", a, rhs, residual, options, lin.solver());
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
        return rootVjp(optimality, solution, args, cotangent, options, new Linearization<>(options));
    }

    /** {@link #rootVjp} solving with the transpose of what {@code lin} remembers. */
    private static <X, A> A rootVjp(BiFunction<X, A, X> optimality, X solution, A args, X cotangent,
                                    ImplicitOptions options, Linearization<X, A> lin) {
        double residual = checkOptimality("rootVjp", optimality, solution, args, options);
        LinearOperator<X> a = lin.operator(solution, args, () -> jacobianOperator(optimality, solution, args, options))
                .withParams(new Point<>(solution, args));
        LinearSolve.Solution<X> s = solve("rootVjp", "vjp", a.transpose(), cotangent, residual, options, lin.solver());
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
                Function<X, X> pullback =
                        Autodiff.vjp((X x) -> f.apply(x, p.args()), p.solution()).pullback();
                c = new Object[] {p, pullback};
                if (Pytree.isConcrete(p)) {
                    cache.set(c);
                }
            }
            @SuppressWarnings("unchecked")
            Function<X, X> pb = (Function<X, X>) c[1];
            return pb.apply(w);
        });
        if (options.symmetric()) {
            // F = ∇ₓf: A is the Hessian, symmetric, and positive definite at a strict minimum.
            op = op.withTags(Tag.SYMMETRIC, Tag.POSITIVE_DEFINITE);
        }
        return op;
    }


    private static <X> LinearSolve.Solution<X> solve(String op, String mode, LinearOperator<X> a, X rhs,
                                                     double residual, ImplicitOptions options, LinearSolver linear) {
        AtomicReference<SolveInfo> last = new AtomicReference<>();
        AtomicBoolean primalReported = new AtomicBoolean();
        // The linear solver must not throw on its own: the implicit layer applies the policy with context.
        Consumer<SolveInfo> observer = info -> {
            last.set(info);
            if (options.solver().options().observer() != null) {
                options.solver().options().observer().accept(info);
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
        };
        var solver = linear.withFailurePolicy(FailurePolicy.IGNORE).withObserver(observer);
        LinearSolve.Solution<X> s;
        try {
            s = LinearSolve.solveWithInfo(a, rhs, null, solver);
        } catch (SolveFailedException | NotSymmetricException e) {
            SolveInfo failed = e instanceof SolveFailedException ? ((SolveFailedException) e).info() : null;
            ImplicitDiagnostics d = new ImplicitDiagnostics(mode, residual, options.optimalityTolerance(), failed);
            report(options, d);
            String message = factorizationFailure(op, e);
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
                    .withFailurePolicy(FailurePolicy.IGNORE).withObserver(observer);
            if (o.maxiter() != null) {
                fallback = fallback.withMaxiter(o.maxiter());
            }
            primalReported.set(false);
            s = LinearSolve.solveWithInfo(a, rhs, null, fallback);
        }
        SolveInfo info = s.info() != null ? s.info() : last.get();
        ImplicitDiagnostics d = new ImplicitDiagnostics(mode, residual, options.optimalityTolerance(), info);
        report(options, d);
        boolean finite = Pytree.leaves(s.x()).stream().allMatch(Tensor::isFinite);
        if (info != null && (!info.converged() || !finite)) {
            boolean breakdown = info.status() == SolveInfo.Status.BREAKDOWN;
            fail(options, op + ": the " + (mode.equals("vjp") ? "adjoint" : "tangent") + " linear solve "
                    + (finite ? "did not converge" : "produced non-finite values") + ": " + info.summary()
                    + (breakdown ? ". ∂ₓF appears singular or indefinite (a breakdown of the Krylov method): regularize "
                    + "the problem or use a solver for indefinite systems (gmres)."
                    : ". The derivative would be wrong; raise the linear solver's maxiter/tolerance or regularize."), d);
        }
        return s;
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
            // A NaN or infinite residual is an overflow, which running longer cannot cure.
            String advice = Double.isFinite(rn) && Double.isFinite(xn)
                    ? "The implicit derivative's error grows linearly with this residual (Blondel et al. 2022, Thm. 1): "
                    + "run the solver longer or loosen optimalityTolerance."
                    : "The values overflowed (‖F‖ = " + rn + ", ‖x*‖ = " + xn + "): the data or parameters are too "
                    + "large in magnitude for double arithmetic; rescale them.";
            fail(options, String.format(Locale.ROOT,
                    "%s: the solution is not a root of the optimality condition: ‖F(x*, θ)‖/max(1, ‖x*‖) = %.3e exceeds "
                            + "the tolerance %.1e. %s", op, residual, options.optimalityTolerance(), advice), d);
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
        Linearization<X, A> lin = new Linearization<>(options);
        Linearization<X, Lifted<A>> liftedLin = new Linearization<>(options);
        return (init, args) -> {
            X init0 = Autodiff.stopGradient(init);
            return bindRoot(optimality, (A a) -> remembering.apply(init0, a), x -> x, (out, t) -> t, w -> w, options,
                    lin, liftedLin, args);
        };
    }

    /** The arguments of a root after closure conversion: θ and the traced values F captures. */
    private record Lifted<A>(A args, List<Tensor> captured) {
    }

    /**
     * Binds the implicit rule of a root. The solver's primal runs in a constant scope: its
     * iterations may read traced values of enclosing transforms through closures, and only the
     * optimality condition F determines the derivative (implicit function theorem). F itself is
     * closure-converted: evaluated once at (x*, θ) in a recording scope, the traced values it
     * captures join θ as explicit arguments of the rule, and F runs with them substituted — so
     * an objective, prox or fixed-point map that captures a hyperparameter differentiates it, at
     * every order (the lifted rule is the ordinary one with a longer θ).
     *
     * @param solutionOf   the solution x* inside the solver's output
     * @param tangentOf    the output tangent, given the output and x*'s tangent
     * @param cotangentOf  x*'s cotangent inside an output cotangent
     */
    private static <X, A, R> R bindRoot(BiFunction<X, A, X> optimality, Function<A, R> solve,
                                        Function<R, X> solutionOf,
                                        BiFunction<R, X, R> tangentOf, Function<R, X> cotangentOf,
                                        ImplicitOptions options, Linearization<X, A> lin,
                                        Linearization<X, Lifted<A>> liftedLin, A args) {
        Function<A, R> primal = a -> {
            try (Dispatch.ConcreteScope scope = Dispatch.constantScope()) {
                return solve.apply(a);
            }
        };
        if (Dispatch.depth() > 0) {
            A argsC = Autodiff.stopGradient(args);
            X x = Autodiff.stopGradient(solutionOf.apply(primal.apply(argsC)));
            ClosureConversion.Discovered<X> d = ClosureConversion.discover(() -> optimality.apply(x, argsC));
            if (!d.captured().isEmpty()) {
                ClosureConversion.Closure closure = d.closure();
                BiFunction<X, Lifted<A>, X> lifted = (xx, th) -> closure.run(th.captured(),
                        () -> optimality.apply(xx, th.args()));
                return Autodiff.customDerivatives(
                        (Lifted<A> th) -> primal.apply(th.args()),
                        (Lifted<A> th, R out, Lifted<A> t) -> tangentOf.apply(out,
                                rootJvp(lifted, solutionOf.apply(out), th, t, options, liftedLin)),
                        (Lifted<A> th, R out, R w) -> rootVjp(lifted, solutionOf.apply(out), th, cotangentOf.apply(w),
                                options, liftedLin)
                ).apply(new Lifted<>(args, d.captured()));
            }
        }
        return Autodiff.customDerivatives(
                primal,
                (A a, R out, A t) -> tangentOf.apply(out, rootJvp(optimality, solutionOf.apply(out), a, t, options, lin)),
                (A a, R out, R w) -> rootVjp(optimality, solutionOf.apply(out), a, cotangentOf.apply(w), options, lin)
        ).apply(args);
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
        Linearization<X, A> lin = new Linearization<>(options);
        Linearization<X, Lifted<A>> liftedLin = new Linearization<>(options);
        return (init, args) -> {
            X init0 = Autodiff.stopGradient(init);
            return bindRoot(optimality, (A a) -> remembering.apply(init0, a), WithAux::solution,
                    (out, t) -> new WithAux<>(t, Pytree.zerosLike(out.aux())), WithAux::solution, options, lin,
                    liftedLin, args);
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
