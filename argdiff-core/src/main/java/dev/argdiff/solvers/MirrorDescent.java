package dev.argdiff.solvers;

import dev.argdiff.ad.Pytree;
import dev.argdiff.tensor.Tensor;

import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.IntToDoubleFunction;

/**
 * Mirror descent for min_x f(x, θ) over a convex domain, with a mirror map ∇φ (JAXopt's
 * {@code MirrorDescent}; Nemirovski and Yudin, "Problem complexity and method efficiency in
 * optimization", Wiley 1983; Beck and Teboulle, "Mirror descent and nonlinear projected subgradient
 * methods for convex optimization", Oper. Res. Lett. 31, 2003):
 * <pre>
 *   x⁺ = T_s(x, θ) = projectionGrad(x, ∇ₓf(x, θ), s, θ),   typically   projection(∇φ(x) − s·∇ₓf(x, θ), θ),
 * </pre>
 * where {@code projection} maps a dual point back to the domain (the Bregman projection of
 * (∇φ)⁻¹ of it). The standard case, {@link #klSimplex()}, is the negative entropy φ(x) = Σ xᵢ log xᵢ
 * on the probability simplex: exponentiated gradient, x⁺ ∝ x·exp(−s·∇f).
 *
 * <p>Error: ‖T₁(x) − x‖ (the mirror step of size 1, as JAXopt), measured at the returned iterate
 * (JAXopt measures it at the previous one): a run that reports error ≤ tol returns a point whose
 * optimality residual is at most tol, which is what implicit differentiation certifies. Cost per
 * iteration: one gradient of f and two mirror steps (the step s and the step 1).
 *
 * <p>Optimality condition: the fixed point x = T₁(x, θ), i.e. F(x, θ) = T₁(x, θ) − x,
 * differentiated implicitly (default) by solving (I − ∂ₓT₁)·t = ∂_θT₁·v, as JAXopt; with
 * {@code implicitDiff(false)} the iterations are unrolled. For the exponentiated gradient at a
 * solution in the interior of the simplex, I − ∂ₓT₁ = x𝟙ᵀ + (diag(x) − xxᵀ)·∇²f, invertible when ∇²f
 * is positive definite on the tangent space; a solution on the simplex's boundary is only reached
 * in the limit (every iterate is positive) and its derivative is not certified.
 *
 * <p>Options ({@link Options}): the step size s (default 1.0; JAXopt has no default) or a
 * schedule s(k); the common options of {@link SolverOptions} (maxiter 500, tol 1e-6; JAXopt's tol
 * is 1e-2).
 *
 * <pre>{@code
 * // min ⟨c, x⟩ + τ Σ xᵢ log xᵢ over the simplex: the solution is softmax(−c/τ)
 * Tensor c = Tensor.of(0.3, -0.1, 0.5);
 * MirrorDescent<Tensor, Tensor> md = MirrorDescent.<Tensor>exponentiatedGradient(
 *         (x, tau) -> x.dot(c).add(tau.mul(x.mul(x.log()).sum()))).stepsize(1.0).tol(1e-10);
 * Tensor x = md.run(Tensor.full(1.0 / 3, 3), Tensor.scalar(0.7)).params();
 * }</pre>
 *
 * @param <X> the tree type of x
 * @param <A> the arguments θ of f and of the mirror step
 */
public final class MirrorDescent<X, A> extends IterativeSolver<X, A, MirrorDescent.State<X>, MirrorDescent<X, A>> {

    /**
     * The mirror step {@code (x, g, s, θ) -> x⁺} for an iterate x, the gradient g = ∇ₓf(x, θ) and
     * the step size s (JAXopt's {@code projection_grad}).
     */
    @FunctionalInterface
    public interface ProjectionGrad<X, A> {
        /** The next iterate; a tree shaped like x. */
        X apply(X x, X grad, double stepsize, A args);
    }

    /**
     * Iterations, error ‖T₁(x) − x‖ at the current iterate x (+∞ before the first update), and the
     * gradient ∇ₓf(x, θ) there (reused by the next step).
     */
    public record State<X>(int iterations, double error, X grad) implements SolverState {
    }

    /**
     * MirrorDescent's own options.
     *
     * @param stepsize the fixed step size s (finite, &gt; 0; default 1.0)
     * @param schedule a step size s(k) at iteration k = 0, 1, … (finite, &gt; 0), used instead of
     *                 {@code stepsize} when not null (default null)
     */
    public record Options(double stepsize, IntToDoubleFunction schedule) {
        /** @throws IllegalArgumentException if the step size is not finite and positive */
        public Options {
            if (!(stepsize > 0) || Double.isInfinite(stepsize)) {
                throw new IllegalArgumentException("MirrorDescent: stepsize must be finite and > 0, got " + stepsize);
            }
        }

        /** Step 1.0, no schedule. */
        public static Options defaults() {
            return new Options(1.0, null);
        }

        /** These options with a fixed step (and no schedule). */
        public Options withStepsize(double value) {
            return new Options(value, null);
        }

        /** These options with a step-size schedule. @throws IllegalArgumentException if null */
        public Options withSchedule(IntToDoubleFunction value) {
            if (value == null) {
                throw new IllegalArgumentException("MirrorDescent: schedule must not be null (use withStepsize)");
            }
            return new Options(stepsize, value);
        }

        double stepAt(int k) {
            return StepSchedule.stepAt("MirrorDescent", schedule, stepsize, k);
        }
    }

    private final Objective<X, A> fun;
    private final ProjectionGrad<X, A> projectionGrad;
    private final Options own;

    private MirrorDescent(SolverOptions options, Options own, Objective<X, A> fun, ProjectionGrad<X, A> projectionGrad) {
        super(options);
        if (own == null) {
            throw new IllegalArgumentException("MirrorDescent: options must not be null");
        }
        this.fun = fun;
        this.projectionGrad = projectionGrad;
        this.own = own;
    }

    /**
     * A solver for min f(x, args) with this mirror step.
     *
     * @throws IllegalArgumentException if an argument is null
     */
    public static <X, A> MirrorDescent<X, A> of(BiFunction<X, A, Tensor> fun, ProjectionGrad<X, A> projectionGrad) {
        if (fun == null) {
            throw new IllegalArgumentException("MirrorDescent.of: fun is null");
        }
        return ofObjective(Objective.of(fun), projectionGrad);
    }

    /** As {@link #of} with f in any {@link Objective} form (with aux, or with its gradient). */
    public static <X, A> MirrorDescent<X, A> ofObjective(Objective<X, A> fun, ProjectionGrad<X, A> projectionGrad) {
        if (fun == null || projectionGrad == null) {
            throw new IllegalArgumentException("MirrorDescent.of: " + (fun == null ? "fun" : "projectionGrad")
                    + " is null");
        }
        return new MirrorDescent<>(SolverOptions.defaults(), Options.defaults(), fun, projectionGrad);
    }

    /** Exponentiated gradient on the probability simplex: {@link #of} with {@link #klSimplex()}. */
    public static <A> MirrorDescent<Tensor, A> exponentiatedGradient(BiFunction<Tensor, A, Tensor> fun) {
        return of(fun, klSimplex());
    }

    /**
     * The mirror step from a projection and a mirror map (JAXopt's {@code make_projection_grad}):
     * (x, g, s, θ) ↦ projection(mappingFun(x) − s·g, θ).
     *
     * @param projection maps a dual point back to the domain, typically argmin_z D_φ(z, (∇φ)⁻¹(y))
     * @param mappingFun the mirror map ∇φ
     * @throws IllegalArgumentException if an argument is null
     */
    public static <X, A> ProjectionGrad<X, A> projectionGrad(BiFunction<X, A, X> projection, Function<X, X> mappingFun) {
        if (projection == null || mappingFun == null) {
            throw new IllegalArgumentException("MirrorDescent.projectionGrad: " + (projection == null ? "projection"
                    : "mappingFun") + " is null");
        }
        return (x, g, s, a) -> projection.apply(Pytree.addScalarMul(mappingFun.apply(x), -s, g), a);
    }

    /**
     * The entropic mirror step on the probability simplex along the last axis (each row of a
     * matrix is a distribution): x⁺ = softmax(log x − s·g), the KL projection of x·exp(−s·g)
     * (the mirror map ∇φ = log x + 1 of φ = Σ x log x; the constant cancels in the softmax).
     *
     * @throws IllegalArgumentException (when applied) if x has an entry that is not positive and
     *                                  finite: log x is undefined there; start in the interior
     */
    public static <A> ProjectionGrad<Tensor, A> klSimplex() {
        return (x, g, s, a) -> {
            if (x.rank() == 0) {
                throw new IllegalArgumentException("MirrorDescent.klSimplex: x must have at least one axis, got a 0-d tensor");
            }
            double[] v = x.toArray();
            for (int i = 0; i < v.length; i++) {
                if (!(v[i] > 0) || Double.isInfinite(v[i])) {
                    throw new IllegalArgumentException("MirrorDescent.klSimplex: x must be positive and finite (start "
                            + "in the interior of the simplex), got " + v[i] + " at entry " + i);
                }
            }
            return x.log().subScaled(s, g).softmax(x.rank() - 1);
        };
    }

    @Override
    protected MirrorDescent<X, A> withOptions(SolverOptions options) {
        return new MirrorDescent<>(options, own, fun, projectionGrad);
    }

    /** A copy with these own options. */
    public MirrorDescent<X, A> with(Options value) {
        return new MirrorDescent<>(options(), value, fun, projectionGrad);
    }

    /** This solver's own options. */
    public Options own() {
        return own;
    }

    /** A fixed step size (finite, &gt; 0). */
    public MirrorDescent<X, A> stepsize(double value) {
        return with(own.withStepsize(value));
    }

    /** A step size s(k) at iteration k = 0, 1, … (finite, &gt; 0). */
    public MirrorDescent<X, A> stepsize(IntToDoubleFunction schedule) {
        return with(own.withSchedule(schedule));
    }

    /**
     * {@inheritDoc}
     *
     * @throws dev.argdiff.tensor.ShapeException if the mirror step does not return a tree shaped like x
     */
    @Override
    public State<X> init(X initParams, A args) {
        X g = fun.grad(initParams, args);
        FixedPointIteration.requireShapedLike("MirrorDescent", step(initParams, g, 1.0, args), initParams);
        return new State<>(0, Double.POSITIVE_INFINITY, g);
    }

    @Override
    public OptStep<X, State<X>> update(X x, State<X> state, A args) {
        double s = own.stepAt(state.iterations());
        X next = step(x, state.grad(), s, args);
        X g = fun.grad(next, args);
        X unit = step(next, g, 1.0, args);
        return new OptStep<>(next, new State<>(state.iterations() + 1, FixedPointIteration.distance(unit, next), g));
    }

    @Override
    public X optimality(X params, A args) {
        return Pytree.sub(step(params, fun.grad(params, args), 1.0, args), params);
    }

    private X step(X x, X g, double s, A args) {
        X out = projectionGrad.apply(x, g, s, args);
        if (out == null) {
            throw new IllegalStateException("MirrorDescent: projectionGrad returned null");
        }
        return out;
    }
}
