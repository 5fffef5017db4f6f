package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.Pytree;
import dev.argdiff.tensor.Tensor;

import java.util.function.BiFunction;

/**
 * What the line-search descent solvers (BFGS, NonlinearCG) share: the first step of a search,
 * the search itself with the gradient at the new point kept differentiable when unrolling, and
 * tree arithmetic. Package-private.
 */
final class DescentSteps {
    private DescentSteps() {
    }

    /** The outcome of a line search along d from x: the new point, its value and gradient. */
    record Moved<X>(X params, double value, X grad, double stepsize, boolean failed) {
    }

    /**
     * JAXopt's "increase" initialization: the previous step times {@code increaseFactor}, capped
     * at the maximal step; the maximal step again after a step at or below {@code minStepsize}.
     */
    static double initialStep(double previous, double maxStepsize, double minStepsize, double increaseFactor) {
        return previous <= minStepsize ? maxStepsize : Math.min(previous * increaseFactor, maxStepsize);
    }

    /**
     * The line search along {@code direction}; on success x + t·d with its value and gradient,
     * recomputed as traced functions of (x, θ) when x or θ is traced (unrolling: the step t stays a
     * constant, the point and the gradient carry the derivative).
     */
    static <X, A> Moved<X> move(BiFunction<X, A, Tensor> fun, LineSearch lineSearch, X x, A args, double value,
                                X grad, X direction, double init) {
        LineSearch.Step<X> step = lineSearch.run(fun, x, args, value, grad, direction, init);
        if (step.failed()) {
            return new Moved<>(x, value, grad, 0.0, true);
        }
        double t = step.stepsize();
        X next = axpy(x, t, direction);
        if (isTraced(next) || isTraced(args)) {
            Autodiff.ValueAndGrad<X> vg = valueAndGrad(fun, next, args);
            return new Moved<>(next, vg.value().item(), vg.gradient(), t, false);
        }
        return new Moved<>(next, step.value(), step.grad(), t, false);
    }

    static <X, A> Autodiff.ValueAndGrad<X> valueAndGrad(BiFunction<X, A, Tensor> fun, X x, A args) {
        return Autodiff.valueAndGrad((X z) -> fun.apply(z, args)).apply(x);
    }

    static <X> X axpy(X x, double t, X d) {
        return Pytree.map2(x, d, (a, b) -> a.addScaled(t, b));
    }

    static boolean isTraced(Object tree) {
        for (Tensor t : Pytree.leaves(tree)) {
            if (t.isTraced()) {
                return true;
            }
        }
        return false;
    }

    /** ‖tree‖₂ of the concrete values. */
    static double norm(Object tree) {
        Object c = Autodiff.stopGradient(tree);
        return Math.sqrt(Pytree.vdot(c, c).item());
    }

    static double vdot(Object a, Object b) {
        return Pytree.vdot(Autodiff.stopGradient(a), Autodiff.stopGradient(b)).item();
    }
}
