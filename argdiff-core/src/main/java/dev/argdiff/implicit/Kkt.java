package dev.argdiff.implicit;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.Pytree;
import dev.argdiff.tensor.Tensor;

import java.util.Arrays;
import java.util.function.BiFunction;

/**
 * Karush–Kuhn–Tucker optimality conditions of a constrained problem
 * <pre>
 *   min_x f(x, θ)   subject to   h(x, θ) = 0 (equality),   g(x, θ) ≤ 0 (inequality),
 * </pre>
 * as a root condition F(z, θ) = 0 on z = (x, ν, λ) — primal variables, equality duals,
 * inequality duals — for {@link ImplicitDiff#customRoot}:
 * <pre>
 *   F(z, θ) = ( ∇ₓf(x, θ) + ∂ₓh(x, θ)ᵀν + ∂ₓg(x, θ)ᵀλ,    stationarity
 *               h(x, θ),                                 primal feasibility
 *               λ ⊙ g(x, θ) )                            complementary slackness
 * </pre>
 * The conditions are differentiable in (x, ν, λ, θ); at a solution with strict complementarity
 * (λᵢ > 0 for every active constraint) and linearly independent active constraint gradients,
 * ∂_z F is nonsingular and the implicit derivative of the primal-dual solution exists
 * (JAXopt's {@code make_kkt_optimality_fun}; Blondel et al. 2022, §2.2).
 */
public final class Kkt {
    private Kkt() {
    }

    /**
     * A primal-dual point: the primal variables, the duals of the equality constraints and the
     * duals of the inequality constraints (1-d tensors; null when the problem has none).
     */
    public record Point<X>(X primal, Tensor eqDual, Tensor ineqDual) {
    }

    /**
     * The KKT conditions of min f subject to h = 0 and g ≤ 0.
     *
     * @param objective   f(x, θ), a scalar
     * @param equality    h(x, θ), a 1-d tensor, or null for none
     * @param inequality  g(x, θ), a 1-d tensor, or null for none
     */
    public static <X, A> BiFunction<Point<X>, A, Point<X>> optimality(BiFunction<X, A, Tensor> objective,
                                                                      BiFunction<X, A, Tensor> equality,
                                                                      BiFunction<X, A, Tensor> inequality) {
        if (objective == null) {
            throw new IllegalArgumentException("Kkt.optimality: objective is null");
        }
        return (z, theta) -> {
            if (z == null || z.primal() == null) {
                throw new IllegalArgumentException("Kkt.optimality: the point has no primal variables");
            }
            requireDual("equality", equality, z.eqDual());
            requireDual("inequality", inequality, z.ineqDual());
            // Stationarity: the gradient in x of the Lagrangian f + νᵀh + λᵀg at fixed duals.
            X stationarity = Autodiff.grad((X x) -> {
                Tensor lagrangian = objective.apply(x, theta);
                if (equality != null) {
                    lagrangian = lagrangian.add(checkedConstraint("equality", equality.apply(x, theta), z.eqDual())
                            .vdot(z.eqDual()));
                }
                if (inequality != null) {
                    lagrangian = lagrangian.add(checkedConstraint("inequality", inequality.apply(x, theta),
                            z.ineqDual()).vdot(z.ineqDual()));
                }
                return lagrangian;
            }).apply(z.primal());
            Tensor feasibility = equality == null ? null : equality.apply(z.primal(), theta);
            Tensor slackness = inequality == null ? null : z.ineqDual().mul(inequality.apply(z.primal(), theta));
            return new Point<>(stationarity, feasibility, slackness);
        };
    }

    private static void requireDual(String kind, Object constraint, Tensor dual) {
        if (constraint != null && dual == null) {
            throw new IllegalArgumentException("Kkt.optimality: the problem has " + kind
                    + " constraints but the point has no " + kind + " duals");
        }
        if (constraint == null && dual != null) {
            throw new IllegalArgumentException("Kkt.optimality: the point has " + kind
                    + " duals but the problem has no " + kind + " constraints");
        }
    }

    private static Tensor checkedConstraint(String kind, Tensor value, Tensor dual) {
        if (value.rank() != 1 || dual.rank() != 1 || value.dim(0) != dual.dim(0)) {
            throw new IllegalArgumentException("Kkt.optimality: " + kind + " constraints of shape "
                    + Arrays.toString(value.shape()) + " do not match duals of shape "
                    + Arrays.toString(dual.shape()) + " (both must be 1-d of the same length)");
        }
        return value;
    }

    /** A point with zero duals for m equality and k inequality constraints (either may be 0 for none). */
    public static <X> Point<X> zeroDuals(X primal, int equalities, int inequalities) {
        return new Point<>(primal, equalities == 0 ? null : Tensor.zeros(equalities),
                inequalities == 0 ? null : Tensor.zeros(inequalities));
    }

    /** The number of scalar unknowns of a point (primal entries plus duals). */
    public static int size(Point<?> point) {
        return Pytree.size(point);
    }
}
