package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.Pytree;
import dev.argdiff.implicit.ImplicitDiagnostics;
import dev.argdiff.implicit.ImplicitDiagnostics.Mode;
import dev.argdiff.implicit.ImplicitDiffException;
import dev.argdiff.implicit.ImplicitOptions;
import dev.argdiff.implicit.Kkt;
import dev.argdiff.linalg.FailurePolicy;
import dev.argdiff.linalg.LinearOperator;
import dev.argdiff.linalg.LinearSolve;
import dev.argdiff.linalg.LinearSolver;
import dev.argdiff.linalg.SolveFailedException;
import dev.argdiff.linalg.Tag;
import dev.argdiff.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The implicit derivative of a solution of {@link OSQP} by one solve of the reduced KKT system
 * at the solution's active set, built from the QP data (no Jacobian assembled from autodiff
 * products).
 *
 * <p>With 𝒜 the strongly active inequalities (λᵢ &gt; τ) and ℐ the inactive ones (λᵢ ≤ τ and
 * Gᵢx − hᵢ &lt; −τ'), the KKT conditions are, near the solution, those of the equality QP on 𝒜
 * with λ_ℐ = 0: the root of
 * <pre>
 *   F̃(x, ν, λ_𝒜; θ) = (Qx + c + Aᵀν + G_𝒜ᵀλ_𝒜,  Ax − b,  G_𝒜x − h_𝒜),
 * </pre>
 * whose Jacobian in (x, ν, λ_𝒜) is the symmetric indefinite matrix
 * K = [[Q, Aᵀ, G_𝒜ᵀ], [A, 0, 0], [G_𝒜, 0, 0]], independent of the point. The derivative of the
 * full product-form condition of {@link OSQP#optimality} at a strictly complementary solution is
 * the same (its slackness rows are those of F̃ scaled by λᵢ on 𝒜, and give dλ_ℐ = 0 on ℐ), so
 * forward mode solves K·dz = −∂_θF̃·dθ once and reverse mode solves K·u = w once (K = Kᵀ), with
 * the linear solver of implicit differentiation (dense LU by default) through
 * {@link LinearSolve}; K and the right-hand sides are differentiable tensor expressions of the
 * data, so the rules differentiate again (second order). Sizes: n + p + |𝒜| instead of n + p + m.
 *
 * <p>Tolerances: τ = 10⁻⁷·max(1, ‖λ‖∞) for the multipliers, τ' = 10⁻⁷·max(1, ‖h‖∞) for the
 * slacks. A constraint with λᵢ ≤ τ and |Gᵢx − hᵢ| ≤ τ' is weakly active: the KKT Jacobian is
 * singular there and the derivative is one-sided; it is refused (an {@link ImplicitDiffException}
 * naming the constraint), as the generic implicit rule of the product form refuses it.
 * ({@link BoxOSQP} differentiates such a constraint as inactive.)
 */
final class QpKktDerivative {

    /** Relative tolerance separating active, inactive and weakly active constraints. */
    static final double ACTIVITY_TOLERANCE = 1e-7;

    private QpKktDerivative() {
    }

    /**
     * The strongly active inequalities of a solution, on concrete values.
     *
     * @throws ImplicitDiffException if a constraint is weakly active or not complementary
     */
    static int[] activeSet(Mode mode, OSQP.Problem p, Kkt.Point<Tensor> z, double residual, ImplicitOptions options) {
        if (p.g() == null) {
            return new int[0];
        }
        double[] lambda = z.ineqDual().concrete().toArray();
        double[] h = p.h().concrete().toArray();
        double[] gx = p.g().concrete().matmul(z.primal().concrete()).toArray();
        double tauL = ACTIVITY_TOLERANCE * Math.max(1.0, QpChecks.maxAbs(lambda));
        double tauS = ACTIVITY_TOLERANCE * Math.max(1.0, maxAbsFinite(h));
        int[] active = new int[lambda.length];
        int k = 0;
        for (int i = 0; i < lambda.length; i++) {
            double slack = h[i] == Double.POSITIVE_INFINITY ? Double.NEGATIVE_INFINITY : gx[i] - h[i];
            if (lambda[i] > tauL) {
                active[k++] = i;
            } else if (!(slack < -tauS)) {
                String why = slack > tauS
                        ? String.format(Locale.ROOT, "is violated (Gx − h = %.3e)", slack)
                        : String.format(Locale.ROOT, "is weakly active (multiplier %.3e ≤ %.1e and Gx − h = %.3e): "
                        + "the KKT Jacobian is singular there and the derivative is only one-sided; perturb h or c, "
                        + "or use BoxOSQP, which differentiates it as inactive", lambda[i], tauL, slack);
                refuse(mode, residual, options, mode.operation() + ": OSQP inequality " + i + " " + why + ".");
            }
        }
        return java.util.Arrays.copyOf(active, k);
    }

    private static double maxAbsFinite(double[] v) {
        double m = 0;
        for (double d : v) {
            if (Double.isFinite(d)) {
                m = Math.max(m, Math.abs(d));
            }
        }
        return m;
    }

    static void refuse(Mode mode, double residual, ImplicitOptions options, String message) {
        ImplicitDiagnostics d = new ImplicitDiagnostics(mode, residual, options.optimalityTolerance(), null);
        if (options.observer() != null) {
            options.observer().accept(d);
        }
        throw new ImplicitDiffException(message, d, null);
    }

    /** F̃ at (x, ν, λ_𝒜; θ), the three blocks concatenated (the equality block absent when p = 0). */
    static Tensor reduced(Kkt.Point<Tensor> z, OSQP.Problem p, int[] active) {
        Tensor x = z.primal();
        Tensor stationarity = p.q().matmul(x).add(p.c());
        List<Tensor> parts = new ArrayList<>();
        if (p.a() != null) {
            stationarity = stationarity.add(p.a().transposeMatmul(z.eqDual()));
        }
        if (active.length > 0) {
            Tensor ga = p.g().take(active, 0);
            stationarity = stationarity.add(ga.transposeMatmul(z.ineqDual().take(active)));
            parts.add(ga.matmul(x).sub(p.h().take(active)));
        }
        parts.add(0, stationarity);
        if (p.a() != null) {
            parts.add(1, p.a().matmul(x).sub(p.b()));
        }
        return parts.size() == 1 ? parts.get(0) : Tensor.concatenate(parts, 0);
    }

    /** K = [[Q, Aᵀ, G_𝒜ᵀ], [A, 0, 0], [G_𝒜, 0, 0]], a differentiable expression of the data. */
    static Tensor matrix(OSQP.Problem p, int[] active) {
        int n = p.c().dim(0);
        List<Tensor> rows = new ArrayList<>();
        if (p.a() != null) {
            rows.add(p.a());
        }
        if (active.length > 0) {
            rows.add(p.g().take(active, 0));
        }
        if (rows.isEmpty()) {
            return p.q();
        }
        Tensor c = rows.size() == 1 ? rows.get(0) : Tensor.concatenate(rows, 0);
        int r = c.dim(0);
        Tensor top = Tensor.concatenate(List.of(p.q(), c.transpose()), 1);
        Tensor bottom = Tensor.concatenate(List.of(c, Tensor.zeros(r, r)), 1);
        assert top.dim(1) == n + r;
        return Tensor.concatenate(List.of(top, bottom), 0);
    }

    /** Solves K·v = rhs with the implicit linear solver, failures (a singular K) refused with context. */
    static Tensor solve(Mode mode, OSQP.Problem p, int[] active, Tensor rhs, double residual, ImplicitOptions options) {
        LinearOperator<Tensor> k = LinearOperator.fromMatrix(matrix(p, active)).withTags(Tag.SYMMETRIC);
        // THROW whatever the solver's own policy: an unconverged solve here is a wrong derivative.
        LinearSolver solver = options.solver().withFailurePolicy(FailurePolicy.THROW);
        Tensor v;
        try {
            v = LinearSolve.solve(k, rhs, solver);
        } catch (SolveFailedException e) {
            refuse(mode, residual, options, mode.operation() + ": the solve of the reduced KKT matrix of OSQP on "
                    + active.length + " active inequalities failed (" + e.getMessage() + "): the matrix is singular "
                    + "(the active constraint gradients are linearly dependent, or Q is singular on their null space), "
                    + "or the implicit linear solver cannot solve this symmetric indefinite system (use "
                    + "LinearSolver.lu(), the default).");
            throw e;
        }
        if (!v.concrete().isFinite()) {
            refuse(mode, residual, options, mode.operation() + ": the reduced KKT solve of OSQP produced non-finite "
                    + "values: the reduced KKT matrix is singular or badly conditioned.");
        }
        return v;
    }

    /** The tangent of the solution along the data tangent t. */
    static Kkt.Point<Tensor> jvp(OSQP.Problem p, Kkt.Point<Tensor> z, OSQP.Problem t, int[] active, double residual,
                                 ImplicitOptions options) {
        Tensor bv = Autodiff.jvp((OSQP.Problem th) -> reduced(z, th, active), p, t).tangent();
        Tensor v = solve(Mode.JVP, p, active, bv.neg(), residual, options);
        return split(v, p, z, active);
    }

    /** The cotangent of the data for the solution's cotangent w. */
    static OSQP.Problem vjp(OSQP.Problem p, Kkt.Point<Tensor> z, Kkt.Point<Tensor> w, int[] active, double residual,
                            ImplicitOptions options) {
        List<Tensor> parts = new ArrayList<>();
        parts.add(w.primal());
        if (p.a() != null) {
            parts.add(w.eqDual());
        }
        if (active.length > 0) {
            parts.add(w.ineqDual().take(active));
        }
        Tensor rhs = parts.size() == 1 ? parts.get(0) : Tensor.concatenate(parts, 0);
        Tensor u = solve(Mode.VJP, p, active, rhs, residual, options);
        OSQP.Problem bar = Autodiff.vjp((OSQP.Problem th) -> reduced(z, th, active), p).pullback().apply(u);
        return Pytree.map(bar, Tensor::neg);
    }

    /** (dx, dν, dλ) from the reduced vector, dλ zero off the active set. */
    private static Kkt.Point<Tensor> split(Tensor v, OSQP.Problem p, Kkt.Point<Tensor> z, int[] active) {
        int n = p.c().dim(0);
        int eq = p.a() == null ? 0 : p.a().dim(0);
        Tensor dx = v.slice(0, 0, n);
        Tensor dnu = eq == 0 ? null : v.slice(0, n, n + eq);
        Tensor dl = null;
        if (p.g() != null) {
            int m = p.g().dim(0);
            if (active.length == 0) {
                dl = Tensor.zeros(m);
            } else {
                // Scatter by a 0/1 matrix E (m × |𝒜|): dλ = E·dλ_𝒜, differentiable like every other step.
                double[] e = new double[m * active.length];
                for (int j = 0; j < active.length; j++) {
                    e[active[j] * active.length + j] = 1.0;
                }
                dl = Tensor.of(new int[]{m, active.length}, e).matmul(v.slice(0, n + eq, n + eq + active.length));
            }
        }
        return new Kkt.Point<>(dx, dnu, dl);
    }
}
