package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.Pytree;
import dev.argdiff.implicit.ImplicitDiff;
import dev.argdiff.tensor.ShapeException;
import dev.argdiff.tensor.Tensor;

import java.util.Arrays;

import java.util.function.BiFunction;

/**
 * Fixed-point iteration x⁺ = T(x, θ) for a fixed point x* = T(x*, θ).
 *
 * <p>Converges when T(·, θ) is a contraction (Banach's fixed-point theorem); the error then falls
 * by the contraction factor every iteration.
 *
 * <p>Error: ‖T(x) − x‖ at the returned iterate. The state carries T(x) of the current iterate, so
 * each iteration costs exactly one evaluation of T (plus one in {@link #init}) and the error is
 * the residual of the parameters returned, not of the previous ones as in JAXopt — a solver that
 * reports error ≤ tol has a solution whose optimality residual is at most tol, which is what
 * implicit differentiation certifies.
 *
 * <p>Optimality condition: F(x, θ) = T(x, θ) − x, differentiated implicitly (default) by solving
 * (I − ∂ₓT)·t = ∂_θT·v; with {@code implicitDiff(false)} the iterations are unrolled.
 *
 * <p>Defaults: the common options of {@link SolverOptions} (maxiter 500, tol 1e-6; JAXopt uses
 * maxiter 100 and tol 1e-5).
 *
 * <pre>{@code
 * // x = cos(x), componentwise
 * FixedPointIteration<Tensor, Tensor> fpi = FixedPointIteration.of((x, a) -> x.cos());
 * Tensor x = fpi.run(Tensor.zeros(3), Tensor.zeros(0)).params();   // 0.739085… in every entry
 * }</pre>
 *
 * <p>Cost: one evaluation of T per iteration (the error ‖T(x) − x‖ reuses it).
 *
 * @param <X> the tree type of x
 * @param <A> the arguments θ of T
 */
public final class FixedPointIteration<X, A>
        extends IterativeSolver<X, A, FixedPointIteration.State<X>, FixedPointIteration<X, A>> {

    /**
     * Iterations, error ‖T(x) − x‖ of the current iterate x (+∞ before the first update), and
     * {@code next} = T(x).
     */
    public record State<X>(int iterations, double error, X next) implements SolverState {
    }

    private final BiFunction<X, A, X> fixedPointFun;

    private FixedPointIteration(SolverOptions options, BiFunction<X, A, X> fixedPointFun) {
        super(options);
        this.fixedPointFun = fixedPointFun;
    }

    /**
     * A solver for x = T(x, args).
     *
     * @param fixedPointFun T, returning a tree of the same structure and shapes as x
     * @throws IllegalArgumentException if {@code fixedPointFun} is null
     */
    public static <X, A> FixedPointIteration<X, A> of(BiFunction<X, A, X> fixedPointFun) {
        if (fixedPointFun == null) {
            throw new IllegalArgumentException("FixedPointIteration.of: fixedPointFun is null");
        }
        return new FixedPointIteration<>(SolverOptions.defaults(), fixedPointFun);
    }

    @Override
    protected FixedPointIteration<X, A> withOptions(SolverOptions options) {
        return new FixedPointIteration<>(options, fixedPointFun);
    }

    /** The map T. */
    public BiFunction<X, A, X> fixedPointFun() {
        return fixedPointFun;
    }

    /**
     * {@inheritDoc}
     *
     * @throws dev.argdiff.tensor.ShapeException if T(x₀) is not a tree of the structure and leaf
     *                                           shapes of x₀ (the message names both)
     */
    @Override
    public State<X> init(X initParams, A args) {
        X next = apply(initParams, args);
        requireShapedLike("FixedPointIteration", next, initParams);
        return new State<>(0, Double.POSITIVE_INFINITY, next);
    }

    /**
     * One iteration: the next iterate is {@code state.next()} = T(x) (computed by the previous
     * call), and T is evaluated once, at it.
     */
    @Override
    public OptStep<X, State<X>> update(X x, State<X> state, A args) {
        X next = state.next();
        X nextNext = apply(next, args);
        return new OptStep<>(next, new State<>(state.iterations() + 1, distance(nextNext, next), nextNext));
    }

    @Override
    public X optimality(X params, A args) {
        return ImplicitDiff.fixedPointResidual(fixedPointFun).apply(params, args);
    }

    private X apply(X x, A args) {
        X out = fixedPointFun.apply(x, args);
        if (out == null) {
            throw new IllegalStateException("FixedPointIteration: fixedPointFun returned null");
        }
        return out;
    }

    /**
     * T(x) must be shaped like x: otherwise the next iterate would silently take another shape
     * (or broadcast against x in the residual T(x) − x).
     */
    static void requireShapedLike(String solver, Object value, Object x) {
        Pytree.Flat fv = Pytree.flatten(value);
        Pytree.Flat fx = Pytree.flatten(x);
        boolean same = fv.def().sameStructure(fx.def()) && fv.leaves().size() == fx.leaves().size();
        for (int i = 0; same && i < fx.leaves().size(); i++) {
            same = Arrays.equals(fv.leaves().get(i).shape(), fx.leaves().get(i).shape());
        }
        if (!same) {
            throw new ShapeException(solver + ": fixedPointFun must return a tree shaped like its input x, but it "
                    + "returned leaf shapes " + shapes(fv) + " for x of leaf shapes " + shapes(fx));
        }
    }

    private static String shapes(Pytree.Flat f) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < f.leaves().size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(Arrays.toString(f.leaves().get(i).shape()));
        }
        return sb.append(']').toString();
    }

    /** ‖a − b‖ on concrete values (a stopping measure: never differentiated). */
    static <X> double distance(X a, X b) {
        return Pytree.norm(Pytree.map2(Autodiff.stopGradient(a), Autodiff.stopGradient(b), Tensor::sub));
    }
}
