package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.Pytree;
import dev.argdiff.tensor.Tensor;

import java.util.HashMap;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * A line search: a step t along a descent direction d of f at x, chosen from evaluations of
 * φ(t) = f(x + t·d) and its slope φ'(t) = ⟨∇f(x + t·d), d⟩.
 *
 * <p>Implementations: {@link BacktrackingLineSearch} (Armijo, or weak/strong Wolfe, by
 * backtracking), {@link ZoomLineSearch} (strong Wolfe by bracketing and zoom) and
 * {@link HagerZhangLineSearch} (Wolfe or approximate Wolfe). Each says in {@link Result} whether
 * the conditions it promises hold at the chosen step. {@link #search} works on plain numbers;
 * {@link #run} is the same search on trees (JAXopt's {@code run(init_stepsize, params, value,
 * grad, descent_direction)}), and gives back the new point with its value and gradient.
 *
 * <p>The search is a discrete choice, never differentiated: a solver unrolled through it treats
 * the chosen step as a constant, and {@link #run} evaluates f on concrete values.
 */
public interface LineSearch {

    /** φ and φ' at a step: the objective along the line and its slope. */
    @FunctionalInterface
    interface Line {
        /** Evaluates φ(t) and φ'(t) = ⟨∇f(x + t·d), d⟩. */
        Point at(double stepsize);
    }

    /** A step with its value φ(t) and slope φ'(t). */
    record Point(double stepsize, double value, double slope) {
    }

    /**
     * The chosen step.
     *
     * @param decrease    whether it satisfies the sufficient-decrease condition of the search
     * @param curvature   whether it also satisfies the search's curvature condition (for a search
     *                    whose only condition is sufficient decrease, equal to {@code decrease})
     * @param evaluations the number of evaluations of φ
     */
    record Result(Point point, boolean decrease, boolean curvature, int evaluations) {
        public double stepsize() {
            return point.stepsize();
        }

        /** No step with sufficient decrease was found (the point is t = 0). */
        public boolean failed() {
            return !decrease;
        }
    }

    /**
     * The step on a tree: the new point x + t·d, its value and gradient (concrete), and the result of the search.
     *
     * @param params the new point (x itself, concrete, when the search failed)
     */
    record Step<X>(Result result, X params, double value, X grad) {
        public double stepsize() {
            return result.stepsize();
        }

        public boolean failed() {
            return result.failed();
        }
    }

    /**
     * Searches from t = {@code initStepsize} (clipped to {@link #maxStepsize()}).
     *
     * @param line   φ
     * @param value0 φ(0)
     * @param slope0 φ'(0), negative for a descent direction
     * @throws IllegalArgumentException if slope0 is not negative or the initial step not positive
     */
    Result search(Line line, double value0, double slope0, double initStepsize);

    /** The largest step tried. */
    double maxStepsize();

    /** A copy with another largest step (finite, > 0). */
    LineSearch withMaxStepsize(double value);

    /** The largest number of evaluations of φ in one search. */
    int maxEvaluations();

    /**
     * A copy allowing at most this many evaluations of φ per search (JAXopt's {@code maxls}).
     *
     * @throws IllegalArgumentException naming maxEvaluations if value &lt; 1
     */
    LineSearch withMaxEvaluations(int value);

    /** The sufficient-decrease constant c1 of the search's conditions. */
    double c1();

    /** The curvature constant c2 of the search's conditions (unused by an Armijo-only search). */
    double c2();

    /**
     * A copy with these Wolfe constants: c1 for sufficient decrease, c2 for curvature. Every search
     * has both (a backtracking search whose condition is Armijo keeps c2 unused); each checks the
     * range its own conditions need.
     *
     * @throws IllegalArgumentException naming c1 or c2 if out of the search's range
     */
    LineSearch withWolfe(double c1, double c2);

    /**
     * The search along {@code direction} from {@code params} for f(·, args), whose value and
     * gradient at {@code params} are given (JAXopt's line-search {@code run}). Every evaluation
     * is on concrete values.
     *
     * @throws IllegalArgumentException if fun, params or direction is null, the shapes of grad and
     *                                  direction differ from params', or d is not a descent direction
     */
    default <X, A> Step<X> run(BiFunction<X, A, Tensor> fun, X params, A args, double value, X grad, X direction,
                               double initStepsize) {
        if (fun == null || params == null || direction == null || grad == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ".run: "
                    + (fun == null ? "fun" : params == null ? "params" : grad == null ? "grad" : "direction")
                    + " is null");
        }
        X xc = Autodiff.stopGradient(params);
        X dc = Autodiff.stopGradient(direction);
        X gc = Autodiff.stopGradient(grad);
        A ac = Autodiff.stopGradient(args);
        double slope0 = Pytree.vdot(gc, dc).item();
        Map<Double, Autodiff.ValueAndGrad<X>> evaluated = new HashMap<>();
        Result r = search(t -> {
            X point = Pytree.map2(xc, dc, (a, b) -> a.addScaled(t, b));
            Autodiff.ValueAndGrad<X> vg = Autodiff.valueAndGrad((X z) -> fun.apply(z, ac)).apply(point);
            evaluated.put(t, vg);
            return new Point(t, vg.value().item(), Pytree.vdot(vg.gradient(), dc).item());
        }, value, slope0, initStepsize);
        if (r.failed()) {
            return new Step<>(r, xc, value, gc);
        }
        Autodiff.ValueAndGrad<X> vg = evaluated.get(r.stepsize());
        double t = r.stepsize();
        return new Step<>(r, Pytree.map2(xc, dc, (a, b) -> a.addScaled(t, b)), vg.value().item(), vg.gradient());
    }
}
