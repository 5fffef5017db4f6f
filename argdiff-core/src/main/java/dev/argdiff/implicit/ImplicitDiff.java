package dev.argdiff.implicit;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.ClosureConversion;
import dev.argdiff.ad.Pytree;
import dev.argdiff.implicit.ImplicitDiagnostics.Mode;
import dev.argdiff.linalg.LinearOperator;
import dev.argdiff.linalg.Tag;
import dev.argdiff.tensor.internal.Dispatch;
import dev.argdiff.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
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
 * <p>Certification ({@code Certification}): before differentiating, ‖F(x*, θ)‖ is measured (the
 * Jacobian error is linear in it, Theorem 1 of the paper); the linear solve's convergence is
 * checked. Failures are handled by {@link ImplicitOptions#policy()}; every measurement goes to
 * the observer.
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
        Pytree.Flat flat = Pytree.flatten(args);
        List<Tensor> t = Pytree.leaves(tangents);
        if (t.size() != flat.leaves().size()) {
            throw new IllegalArgumentException("rootJvp: tangents have " + t.size() + " leaves, args have "
                    + flat.leaves().size());
        }
        return rootJvp(optimality, solution, args, t.toArray(new Tensor[0]), null, options, lin);
    }

    /**
     * {@link #rootJvp} with the tangents of θ's leaves (null for a leaf the transform does not
     * trace): B·v is a JVP of F in the traced leaves only, the others held as they are.
     * {@code value} is F(x*, θ) when already evaluated at this point (else null).
     */
    private static <X, A> X rootJvp(BiFunction<X, A, X> optimality, X solution, A args, Tensor[] tangents,
                                    X value, ImplicitOptions options, Linearization<X, A> lin) {
        double residual = value != null ? Certification.optimality(Mode.JVP, value, solution, options)
                : Certification.optimality(Mode.JVP, optimality, solution, args, options);
        Pytree.Flat flat = Pytree.flatten(args);
        int[] sel = selected(tangents, null);
        List<Tensor> primals = new ArrayList<>(sel.length);
        List<Tensor> v = new ArrayList<>(sel.length);
        for (int i : sel) {
            primals.add(flat.leaves().get(i));
            v.add(tangents[i]);
        }
        X bv = Autodiff.jvp(restrict(optimality, solution, flat, sel), primals, v).tangent();
        X rhs = Pytree.map(bv, Tensor::neg);
        LinearOperator<X> a = lin.operator(solution, args, () -> jacobianOperator(optimality, solution, args, options))
                .withParams(new Point<>(solution, args));
        return Certification.solve(Mode.JVP, a, rhs, residual, options, lin.solver());
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
        Pytree.Flat flat = Pytree.flatten(args);
        boolean[] all = new boolean[flat.leaves().size()];
        Arrays.fill(all, true);
        Tensor[] g = rootVjp(optimality, solution, args, cotangent, all, null, options, lin);
        @SuppressWarnings("unchecked")
        A out = (A) flat.def().unflatten(Arrays.asList(g));
        return out;
    }

    /**
     * {@link #rootVjp} for the leaves of θ that {@code needed} names: −uᵀB is a VJP of F in those
     * leaves only, the others held as they are (a data matrix gets no n×p cotangent). Entries of
     * the result that are not needed are null. {@code value} is F(x*, θ) when already evaluated at
     * this point (else null).
     */
    private static <X, A> Tensor[] rootVjp(BiFunction<X, A, X> optimality, X solution, A args, X cotangent,
                                           boolean[] needed, X value, ImplicitOptions options,
                                           Linearization<X, A> lin) {
        double residual = value != null ? Certification.optimality(Mode.VJP, value, solution, options)
                : Certification.optimality(Mode.VJP, optimality, solution, args, options);
        LinearOperator<X> a = lin.operator(solution, args, () -> jacobianOperator(optimality, solution, args, options))
                .withParams(new Point<>(solution, args));
        X u = Certification.solve(Mode.VJP, a.transpose(), cotangent, residual, options, lin.solver());
        Pytree.Flat flat = Pytree.flatten(args);
        int[] sel = selected(null, needed);
        List<Tensor> primals = new ArrayList<>(sel.length);
        for (int i : sel) {
            primals.add(flat.leaves().get(i));
        }
        Tensor[] out = new Tensor[flat.leaves().size()];
        if (sel.length == 0) {
            return out;
        }
        List<Tensor> ubar = Autodiff.vjp(restrict(optimality, solution, flat, sel), primals).pullback().apply(u);
        for (int k = 0; k < sel.length; k++) {
            out[sel[k]] = ubar.get(k).neg();
        }
        return out;
    }

    /** The indices of the non-null {@code tangents}, or of the true entries of {@code needed}. */
    private static int[] selected(Tensor[] tangents, boolean[] needed) {
        int n = tangents != null ? tangents.length : needed.length;
        int[] sel = new int[n];
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (tangents != null ? tangents[i] != null : needed[i]) {
                sel[k++] = i;
            }
        }
        return Arrays.copyOf(sel, k);
    }

    /**
     * F(x*, ·) as a function of the selected leaves of θ; the other leaves are read as they are
     * (traced by an enclosing transform or not), so a higher-order derivative still sees them.
     */
    private static <X, A> Function<List<Tensor>, X> restrict(BiFunction<X, A, X> optimality, X solution,
                                                             Pytree.Flat args, int[] sel) {
        return (List<Tensor> leaves) -> {
            List<Tensor> all = new ArrayList<>(args.leaves());
            for (int k = 0; k < sel.length; k++) {
                all.set(sel[k], leaves.get(k));
            }
            @SuppressWarnings("unchecked")
            A a = (A) args.def().unflatten(all);
            return optimality.apply(solution, a);
        };
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
        X fx = null;
        if (Dispatch.depth() > 0) {
            A argsC = Autodiff.stopGradient(args);
            X x = Autodiff.stopGradient(solutionOf.apply(primal.apply(argsC)));
            ClosureConversion.Discovered<X> d = ClosureConversion.discover(() -> optimality.apply(x, argsC));
            if (!d.captured().isEmpty()) {
                ClosureConversion.Closure closure = d.closure();
                BiFunction<X, Lifted<A>, X> lifted = (xx, th) -> closure.run(th.captured(),
                        () -> optimality.apply(xx, th.args()));
                X liftedValue = d.value();
                return Autodiff.customDerivativesByLeaf(
                        (Lifted<A> th) -> primal.apply(th.args()),
                        (Lifted<A> th, R out, Tensor[] t) -> tangentOf.apply(out,
                                rootJvp(lifted, solutionOf.apply(out), th, t, liftedValue, options, liftedLin)),
                        (Lifted<A> th, R out, R w, boolean[] needed) -> rootVjp(lifted, solutionOf.apply(out), th,
                                cotangentOf.apply(w), needed, liftedValue, options, liftedLin)
                ).apply(new Lifted<>(args, d.captured()));
            }
            fx = d.value();
        }
        // The rules run at this binding's point only (values of θ and, the solver being deterministic, of x*), where
        // discovery has evaluated F already: the certification reads that value instead of evaluating F again.
        X known = fx;
        // Leaf by leaf: the leaves of θ a transform does not trace (data) get no tangent or cotangent.
        return Autodiff.customDerivativesByLeaf(
                primal,
                (A a, R out, Tensor[] t) -> tangentOf.apply(out,
                        rootJvp(optimality, solutionOf.apply(out), a, t, known, options, lin)),
                (A a, R out, R w, boolean[] needed) -> rootVjp(optimality, solutionOf.apply(out), a,
                        cotangentOf.apply(w), needed, known, options, lin)
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
