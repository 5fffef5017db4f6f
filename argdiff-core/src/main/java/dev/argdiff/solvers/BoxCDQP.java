package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.Pytree;
import dev.argdiff.backend.Blas;
import dev.argdiff.tensor.Tensor;

/**
 * Coordinate descent for the box-constrained quadratic program
 * <pre>
 *   min_x ½xᵀQx + cᵀx   subject to   l ≤ x ≤ u,
 * </pre>
 * Q symmetric positive semidefinite with a positive diagonal (JAXopt's {@code BoxCDQP}). One
 * {@link #update} is a cyclic pass over the coordinates, each minimized exactly with the others
 * fixed:
 * <pre>
 *   xᵢ ← clip(xᵢ − (Qx + c)ᵢ / Qᵢᵢ, lᵢ, uᵢ).
 * </pre>
 * A pass costs O(n²) (the gradient is kept up to date, one column of Q per changed coordinate).
 * Bounds may be infinite (an entry of l may be −∞, of u +∞); l ≤ u is checked.
 *
 * <p>Optimality condition (the projected-gradient fixed point with unit step):
 * F(x, θ) = clip(x − (Qx + c), l, u) − x, differentiable in Q, c, l and u. Error: ‖F(x)‖₂ /
 * max(1, ‖x‖₂) after each pass, the residual implicit differentiation certifies.
 *
 * <p><b>Degenerate bounds.</b> The clip in F is differentiated as the identity on the closed
 * interval [lᵢ, uᵢ] and as the bound strictly outside it. At a weakly active bound (xᵢ = lᵢ with
 * (Qx + c)ᵢ = 0, where F is not differentiable) the derivative is therefore the one-sided one of
 * a free coordinate: it is right for perturbations that move the solution into the box, and the
 * bound receives no derivative there.
 *
 * <p>With {@code implicitDiff(false)} the passes run as tensor operations and are unrolled.
 * Common options in {@link SolverOptions} (maxiter 500, tol 1e-6); this solver has no options
 * of its own.
 *
 * <p>Reference: S. J. Wright, "Coordinate descent algorithms", Math. Programming 151, 2015.
 */
public final class BoxCDQP extends IterativeSolver<Tensor, BoxCDQP.Problem, BoxCDQP.State, BoxCDQP> {

    /**
     * The data of the problem (a tree: every tensor is differentiable).
     *
     * @param q     the n×n symmetric positive semidefinite matrix, with Qᵢᵢ > 0
     * @param c     the linear term, shape [n]
     * @param lower the lower bounds l, shape [n] (entries may be −∞)
     * @param upper the upper bounds u, shape [n] (entries may be +∞)
     */
    public record Problem(Tensor q, Tensor c, Tensor lower, Tensor upper) {
    }

    /** Passes done and the optimality residual. */
    public record State(int iterations, double error) implements SolverState {
    }

    private BoxCDQP(SolverOptions common) {
        super(common);
    }

    /** The solver with default options. */
    public static BoxCDQP create() {
        return new BoxCDQP(SolverOptions.defaults());
    }

    @Override
    protected BoxCDQP withOptions(SolverOptions common) {
        return new BoxCDQP(common);
    }

    /** Runs from the projection of 0 onto the box. */
    public SolverResult<Tensor, State> run(Problem problem) {
        int n = check(problem);
        double[] x = new double[n];
        double[] l = problem.lower().concrete().toArray();
        double[] u = problem.upper().concrete().toArray();
        for (int i = 0; i < n; i++) {
            x[i] = Math.min(Math.max(0, l[i]), u[i]);
        }
        return run(Tensor.of(x), problem);
    }

    private static int check(Problem problem) {
        String where = "BoxCDQP";
        if (problem == null) {
            throw new IllegalArgumentException(where + ": problem is null");
        }
        int n = QpChecks.requireSymmetric(where, problem.q());
        QpChecks.requireVector(where, "c", problem.c(), n);
        QpChecks.requireFinite(where, "c", problem.c());
        QpChecks.requireVector(where, "lower", problem.lower(), n);
        QpChecks.requireVector(where, "upper", problem.upper(), n);
        double[] q = problem.q().concrete().toArray();
        double[] l = problem.lower().concrete().toArray();
        double[] u = problem.upper().concrete().toArray();
        for (int i = 0; i < n; i++) {
            if (!(q[i * n + i] > 0)) {
                throw new IllegalArgumentException(where + ": q must have a positive diagonal, but q[" + i + ", " + i
                        + "] = " + q[i * n + i] + " (a positive semidefinite Q with a zero diagonal entry leaves "
                        + "that coordinate linear; add a small ridge)");
            }
            if (Double.isNaN(l[i]) || Double.isNaN(u[i]) || l[i] > u[i] || l[i] == Double.POSITIVE_INFINITY
                    || u[i] == Double.NEGATIVE_INFINITY) {
                throw new IllegalArgumentException(where + ": the box is empty or NaN at coordinate " + i + ": lower "
                        + l[i] + ", upper " + u[i]);
            }
        }
        return n;
    }

    @Override
    public State init(Tensor initParams, Problem problem) {
        int n = check(problem);
        QpChecks.requireVector("BoxCDQP", "the initial point", initParams, n);
        QpChecks.requireFinite("BoxCDQP", "the initial point", initParams);
        return new State(0, Double.POSITIVE_INFINITY);
    }

    @Override
    public OptStep<Tensor, State> update(Tensor params, State state, Problem problem) {
        Tensor next = Pytree.isConcrete(params) && Pytree.isConcrete(problem)
                ? Tensor.of(concretePass(params.toArray(), problem)) : tracedPass(params, problem);
        return new OptStep<>(next, new State(state.iterations() + 1, error(next, problem)));
    }

    private static double[] concretePass(double[] x, Problem problem) {
        int n = x.length;
        double[] q = problem.q().toArray();
        double[] c = problem.c().toArray();
        double[] l = problem.lower().toArray();
        double[] u = problem.upper().toArray();
        double[] g = c.clone();
        // g = Qx + c, then kept current: a change δ of xᵢ adds δ·Q[:, i] (= Q[i, :], Q symmetric).
        Blas.gemv(false, n, n, 1.0, q, 0, x, 0, 1.0, g, 0);
        for (int i = 0; i < n; i++) {
            double xi = Math.min(Math.max(x[i] - g[i] / q[i * n + i], l[i]), u[i]);
            double delta = xi - x[i];
            if (delta != 0) {
                x[i] = xi;
                Blas.axpy(n, delta, q, i * n, g, 0);
            }
        }
        return x;
    }

    private static Tensor tracedPass(Tensor x, Problem problem) {
        int n = x.dim(0);
        double[] diag = new double[n];
        double[] qc = problem.q().concrete().toArray();
        for (int i = 0; i < n; i++) {
            diag[i] = qc[i * n + i];
        }
        for (int i = 0; i < n; i++) {
            Tensor gi = problem.q().row(i).vdot(x).add(problem.c().row(i));
            Tensor xi = clip(x.row(i).sub(gi.div(diag[i])), problem.lower().row(i), problem.upper().row(i));
            double[] unit = new double[n];
            unit[i] = 1;
            x = x.add(Tensor.of(unit).mul(xi.sub(x.row(i))));
        }
        return x;
    }

    /** clip(v, l, u), differentiated as v on the closed interval, as the bound strictly outside it. */
    static Tensor clip(Tensor v, Tensor l, Tensor u) {
        Tensor vc = v.concrete();
        Tensor below = vc.lt(l.concrete());
        Tensor above = vc.gt(u.concrete());
        return Tensor.where(below, l, Tensor.where(above, u, v));
    }

    private double error(Tensor x, Problem problem) {
        Tensor xc = Autodiff.stopGradient(x);
        double[] r = optimality(xc, Autodiff.stopGradient(problem)).toArray();
        double[] xv = xc.toArray();
        return Blas.nrm2(r.length, r, 0) / Math.max(1.0, Blas.nrm2(xv.length, xv, 0));
    }

    /** F(x) = clip(x − (Qx + c), l, u) − x. */
    @Override
    public Tensor optimality(Tensor params, Problem problem) {
        Tensor step = params.sub(problem.q().matmul(params).add(problem.c()));
        return clip(step, problem.lower(), problem.upper()).sub(params);
    }
}
