package dev.argdiff.implicit;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.Pytree;
import dev.argdiff.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Checks the implicit derivative of a user's own solver: the gradient of
 * θ ↦ loss(x*(θ)) by implicit differentiation ({@link ImplicitDiff#customRoot} with the given
 * optimality condition), by unrolling (reverse mode straight through the solver), and by central
 * finite differences of the solver's output, compared along seeded random directions of θ (one
 * scalar each, so the check costs a few solves whatever the size of θ), with a readable report.
 *
 * <p>What the three should show: implicit ≈ finite differences when the solver converged and the
 * optimality condition is the right one; unrolled → implicit as the iterations grow (Blondel et
 * al. 2022, §4 and Thm. 1). An unrolled value of exactly 0 usually means the solver does not
 * compute with differentiable tensor operations (it reads values out), which is fine for implicit
 * differentiation.
 */
public final class ImplicitGradCheck {
    private ImplicitGradCheck() {
    }

    /** Options: the finite-difference step (relative to ‖θ‖), the number of directions, the seed, the implicit options. */
    public record Options(double eps, int directions, long seed, ImplicitOptions implicitOptions) {
        /** Checks the options. */
        public Options {
            if (!(eps > 0) || Double.isInfinite(eps)) {
                throw new IllegalArgumentException("ImplicitGradCheck.Options: eps must be finite and > 0, got " + eps);
            }
            if (directions < 1) {
                throw new IllegalArgumentException("ImplicitGradCheck.Options: directions must be >= 1, got "
                        + directions);
            }
            if (implicitOptions == null) {
                throw new IllegalArgumentException("ImplicitGradCheck.Options: implicitOptions is null");
            }
        }

        /** eps 1e-6, 3 directions, seed 0, default implicit options. */
        public static Options defaults() {
            return new Options(1e-6, 3, 0L, ImplicitOptions.defaults());
        }
    }

    /** One direction v: the directional derivatives ⟨∇, v⟩ by the three methods. */
    public record Direction(int index, double implicit, double unrolled, double finiteDifference) {

        /** |implicit − finite differences| relative to the larger magnitude. */
        public double implicitError() {
            return relative(implicit, finiteDifference);
        }

        /** |unrolled − implicit| relative to the larger magnitude. */
        public double unrolledGap() {
            return relative(unrolled, implicit);
        }
    }

    /** The comparison, with the loss value and the optimality residual at the solution. */
    public record Report(double loss, double optimalityResidual, List<Direction> directions) {

        /** The largest relative disagreement between the implicit derivative and finite differences. */
        public double worstImplicitError() {
            return directions.stream().mapToDouble(Direction::implicitError).max().orElse(0);
        }

        /** The largest relative gap between unrolled and implicit derivatives. */
        public double worstUnrolledGap() {
            return directions.stream().mapToDouble(Direction::unrolledGap).max().orElse(0);
        }

        /** Whether implicit and finite differences agree within {@code rtol}. */
        public boolean implicitAgrees(double rtol) {
            return worstImplicitError() <= rtol;
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(Locale.ROOT, "implicit-gradient check: loss %.10g, optimality residual "
                    + "‖F(x*, θ)‖/max(1, ‖x*‖) = %.2e%n", loss, optimalityResidual));
            sb.append("direction        implicit        unrolled   finite diff.   |impl-fd|/|fd|  |unr-impl|/|impl|\n");
            for (Direction d : directions) {
                sb.append(String.format(Locale.ROOT, "%9d  %14.8g  %14.8g  %13.8g  %14.2e  %16.2e%n", d.index(),
                        d.implicit(), d.unrolled(), d.finiteDifference(), d.implicitError(), d.unrolledGap()));
            }
            sb.append(String.format(Locale.ROOT, "worst: implicit vs finite differences %.2e; unrolled vs implicit %.2e",
                    worstImplicitError(), worstUnrolledGap()));
            return sb.toString();
        }
    }

    /**
     * Compares implicit, unrolled and finite-difference derivatives of θ ↦ loss(solver(init, θ)).
     *
     * @param optimality F(x, θ), zero at the solver's solutions
     * @param solver     (init, θ) ↦ x*(θ); differentiated directly for the unrolled value
     * @param init       the initial guess
     * @param args       θ (a tree; its tensor leaves are perturbed)
     * @param loss       the outer loss of the solution, a scalar
     */
    public static <X, A> Report check(BiFunction<X, A, X> optimality, BiFunction<X, A, X> solver, X init, A args,
                                      Function<X, Tensor> loss, Options options) {
        if (optimality == null || solver == null || init == null || args == null || loss == null || options == null) {
            throw new IllegalArgumentException("ImplicitGradCheck.check: no argument may be null");
        }
        BiFunction<X, A, X> implicitSolver = ImplicitDiff.customRoot(optimality, solver, options.implicitOptions());
        Function<A, Tensor> implicitLoss = a -> loss.apply(implicitSolver.apply(init, a));
        Function<A, Tensor> unrolledLoss = a -> loss.apply(solver.apply(init, a));

        Autodiff.ValueAndGrad<A> implicit = Autodiff.valueAndGrad(implicitLoss).apply(args);
        A unrolled = Autodiff.grad(unrolledLoss).apply(args);
        X solution = solver.apply(Autodiff.stopGradient(init), Autodiff.stopGradient(args));
        double residual = Pytree.norm(optimality.apply(solution, args)) / Math.max(1.0, Pytree.norm(solution));

        double scale = Math.max(1.0, Pytree.norm(args));
        double h = options.eps() * scale;
        List<Direction> out = new ArrayList<>();
        for (int k = 0; k < options.directions(); k++) {
            long[] seed = {options.seed() * 1_000_003L + k};
            A v = Pytree.map(args, t -> Tensor.randomNormal(seed[0]++, t.shape()));
            double norm = Pytree.norm(v);
            A unit = Pytree.map(v, t -> t.div(norm));
            A plus = Pytree.map2(args, unit, (a, d) -> a.add(d.mul(h)));
            A minus = Pytree.map2(args, unit, (a, d) -> a.sub(d.mul(h)));
            double fd = (unrolledLoss.apply(plus).item() - unrolledLoss.apply(minus).item()) / (2 * h);
            out.add(new Direction(k, Pytree.vdot(implicit.gradient(), unit).item(), Pytree.vdot(unrolled, unit).item(),
                    fd));
        }
        return new Report(implicit.value().item(), residual, List.copyOf(out));
    }

    private static double relative(double a, double b) {
        double scale = Math.max(Math.abs(a), Math.abs(b));
        return scale == 0 ? 0 : Math.abs(a - b) / scale;
    }
}
