package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.Pytree;
import dev.argdiff.implicit.ImplicitDiagnostics;
import dev.argdiff.implicit.ImplicitOptions;
import dev.argdiff.implicit.Kkt;
import dev.argdiff.linalg.LinearSolver;
import dev.argdiff.tensor.Tensor;

import dev.argdiff.tensor.internal.Dispatch;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The quadratic program in general form
 * <pre>
 *   min_x ½xᵀQx + cᵀx   subject to   Ax = b,   Gx ≤ h,
 * </pre>
 * solved by the ADMM of {@link BoxOSQP} on the stacked constraints [b; −∞] ≤ [A; G]x ≤ [b; h]
 * (JAXopt's {@code OSQP}; Stellato et al. 2020). Every option of {@link BoxOSQP} applies
 * (adaptive ρ, over-relaxation, polishing, infeasibility detection, the prepared linear solver);
 * see there for the algorithm, the defaults and the infeasibility certificates, which end the run
 * with {@link SolverStatus#PRIMAL_INFEASIBLE} or {@link SolverStatus#DUAL_INFEASIBLE}.
 * For Q, A and G known only by their products, use {@link OperatorOSQP}.
 *
 * <p>The solution is the KKT point {@link Kkt.Point} (x, ν, λ), ν the multipliers of Ax = b, λ ≥ 0
 * those of Gx ≤ h, and the optimality condition is the KKT system of {@link Kkt#optimality} with
 * complementary slackness in product form (OptNet, Amos and Kolter 2017):
 * <pre>
 *   F(x, ν, λ) = (Qx + c + Aᵀν + Gᵀλ,  Ax − b,  λ ∘ (Gx − h)),
 * </pre>
 * so implicit differentiation gives the derivatives of x, ν and λ with respect to Q, c, A, b, G
 * and h, in forward and reverse mode and at every order. The derivative is computed by one solve
 * of the reduced symmetric KKT system [[Q, Aᵀ, G_𝒜ᵀ], [A, 0, 0], [G_𝒜, 0, 0]] on the strongly
 * active set 𝒜 (λᵢ &gt; 10⁻⁷·max(1, ‖λ‖∞)), built from the data, with dλᵢ = 0 off 𝒜 — the
 * derivative of the product form at a strictly complementary solution, at the cost of one
 * factorization of size n + p + |𝒜| (dense LU by default, the implicit linear solver). The
 * Jacobian of F is singular at a weakly active inequality (λᵢ ≤ 10⁻⁷·max(1, ‖λ‖∞) and
 * |Gx − h|ᵢ ≤ 10⁻⁷·max(1, ‖h‖∞)): differentiation refuses there with an
 * {@code ImplicitDiffException} naming the constraint ("singular"), instead of returning a
 * one-sided guess; use {@link BoxOSQP}, whose projection form differentiates such a constraint as
 * inactive, if that choice is wanted. Error: ‖F‖₂ / max(1, ‖(x, ν, λ)‖₂), the residual implicit
 * differentiation certifies; every failure of this derivative (residual above the optimality
 * tolerance, weakly active or dependent constraints, a failed solve) throws
 * {@code ImplicitDiffException} whatever the implicit options' failure policy. With {@code implicitDiff(false)} the ADMM iterations are unrolled as
 * in {@link BoxOSQP}.
 */
public final class OSQP extends IterativeSolver<Kkt.Point<Tensor>, OSQP.Problem, OSQP.State, OSQP> {

    /**
     * The data (a tree: every tensor is differentiable).
     *
     * @param q the n×n symmetric positive semidefinite matrix
     * @param c the linear term, shape [n]
     * @param a equality matrix [p, n], or null (with b) for none
     * @param b equality right-hand side [p], or null
     * @param g inequality matrix [m, n], or null (with h) for none
     * @param h inequality right-hand side [m], or null
     */
    public record Problem(Tensor q, Tensor c, Tensor a, Tensor b, Tensor g, Tensor h) {
    }

    /**
     * The state of the underlying {@link BoxOSQP} run, with this problem's KKT residual as the error
     * (while the box form's residual exceeds 1000·tol, that residual, which vanishes at the same points).
     */
    public record State(BoxOSQP.State inner, double error) implements SolverState {
        @Override
        public int iterations() {
            return inner.iterations();
        }

        @Override
        public SolverStatus verdict() {
            return inner.verdict();
        }
    }

    private final BoxOSQP box;

    private OSQP(SolverOptions common, BoxOSQP box) {
        super(common);
        this.box = box.withOptions(common);
    }

    /** The solver with default options. */
    public static OSQP create() {
        return new OSQP(BoxOSQP.create().options(), BoxOSQP.create());
    }

    @Override
    protected OSQP withOptions(SolverOptions common) {
        return new OSQP(common, box);
    }

    public BoxOSQP.Options solverOptions() {
        return box.solverOptions();
    }

    /** @throws IllegalArgumentException if options is null */
    public OSQP with(BoxOSQP.Options value) {
        return new OSQP(options(), box.with(value));
    }

    public OSQP withRho(double v) {
        return with(solverOptions().withRho(v));
    }

    public OSQP withAlpha(double v) {
        return with(solverOptions().withAlpha(v));
    }

    public OSQP withAdaptiveRho(boolean v) {
        return with(solverOptions().withAdaptiveRho(v));
    }

    public OSQP withPolish(boolean v) {
        return with(solverOptions().withPolish(v));
    }

    public OSQP withLinearSolver(LinearSolver v) {
        return with(solverOptions().withLinearSolver(v));
    }

    /**
     * Runs from {@code init}. With implicit differentiation (the default) the solution's derivative
     * comes from one solve of the reduced KKT system at its active set, built from the data
     * (forward, reverse and higher order; the active-set tolerance and the refusal at a weakly
     * active constraint are documented in the class comment).
     */
    @Override
    public SolverResult<Kkt.Point<Tensor>, State> run(Kkt.Point<Tensor> init, Problem problem) {
        if (!options().implicitDiff()) {
            return super.run(init, problem);
        }
        if (init == null) {
            throw new IllegalArgumentException("OSQP.run: initParams is null");
        }
        Kkt.Point<Tensor> init0 = Autodiff.stopGradient(init);
        OSQP concrete = withOptions(options().withImplicitDiff(false));
        ImplicitOptions io = effectiveImplicitOptions();
        return Autodiff.customDerivatives(
                (Problem p) -> remembered(concrete, init0, Autodiff.stopGradient(p)),
                (Problem p, SolverResult<Kkt.Point<Tensor>, State> out, Problem t) -> {
                    Kkt.Point<Tensor> z = out.params();
                    double residual = certify(ImplicitDiagnostics.Mode.JVP, z, p, io);
                    int[] active = QpKktDerivative.activeSet(ImplicitDiagnostics.Mode.JVP, Autodiff.stopGradient(p),
                            Autodiff.stopGradient(z), residual, io);
                    return new SolverResult<>(QpKktDerivative.jvp(p, z, t, active, residual, io),
                            Pytree.zerosLike(out.state()), out.status());
                },
                (Problem p, SolverResult<Kkt.Point<Tensor>, State> out, SolverResult<Kkt.Point<Tensor>, State> w) -> {
                    Kkt.Point<Tensor> z = out.params();
                    double residual = certify(ImplicitDiagnostics.Mode.VJP, z, p, io);
                    int[] active = QpKktDerivative.activeSet(ImplicitDiagnostics.Mode.VJP, Autodiff.stopGradient(p),
                            Autodiff.stopGradient(z), residual, io);
                    return QpKktDerivative.vjp(p, z, w.params(), active, residual, io);
                }).apply(problem);
    }

    /** The last concrete run: its transform evaluation, initial point and data (flattened), and its result. */
    private record LastRun(WeakReference<Object> evaluation, Pytree.Flat init, Pytree.Flat problem,
                           SolverResult<Kkt.Point<Tensor>, State> result) {
    }

    private final AtomicReference<LastRun> lastRun = new AtomicReference<>();

    /**
     * The concrete run, remembered within one top-level transform evaluation: a forward-mode
     * Jacobian or Hessian evaluates the primal once per direction on equal data, and solves once
     * (as the generic implicit rule's memo does). Outside a transform it always solves.
     */
    private SolverResult<Kkt.Point<Tensor>, State> remembered(OSQP concrete, Kkt.Point<Tensor> init, Problem p) {
        Object evaluation = Dispatch.evaluation();
        if (evaluation == null) {
            return concrete.run(init, p);
        }
        Pytree.Flat fi = Pytree.flatten(init);
        Pytree.Flat fp = Pytree.flatten(p);
        LastRun last = lastRun.get();
        if (last != null && last.evaluation().get() == evaluation && last.init().sameValues(fi)
                && last.problem().sameValues(fp)) {
            return last.result();
        }
        SolverResult<Kkt.Point<Tensor>, State> r = concrete.run(init, p);
        lastRun.set(new LastRun(new WeakReference<>(evaluation), fi, fp, r));
        return r;
    }

    /** ‖F(z, θ)‖/max(1, ‖z‖) on concrete values, refused above the optimality tolerance. */
    private double certify(ImplicitDiagnostics.Mode mode, Kkt.Point<Tensor> z, Problem p, ImplicitOptions io) {
        double residual = EqualityConstrainedQP.kktError(this, z, p);
        if (!(residual <= io.optimalityTolerance())) {
            QpKktDerivative.refuse(mode, residual, io, String.format(java.util.Locale.ROOT,
                    "%s: the OSQP solution is not a root of the optimality condition: ‖F(x*, θ)‖/max(1, ‖x*‖) = %.3e "
                            + "exceeds the tolerance %.1e (status of the run, infeasible, or stopped early): run the "
                            + "solver longer or loosen optimalityTolerance.", mode.operation(), residual,
                    io.optimalityTolerance()));
        }
        return residual;
    }

    /** Runs from x = 0 and zero multipliers. */
    public SolverResult<Kkt.Point<Tensor>, State> run(Problem problem) {
        int[] d = dims(problem);
        return run(Kkt.zeroDuals(Tensor.zeros(d[0]), d[1], d[2]), problem);
    }

    /** {n, p, m} after validating the pairs; the rest is validated by the box form. */
    private static int[] dims(Problem p) {
        String where = "OSQP";
        if (p == null) {
            throw new IllegalArgumentException(where + ": problem is null");
        }
        if ((p.a() == null) != (p.b() == null)) {
            throw new IllegalArgumentException(where + ": a and b must both be given or both be null");
        }
        if ((p.g() == null) != (p.h() == null)) {
            throw new IllegalArgumentException(where + ": g and h must both be given or both be null");
        }
        if (p.a() == null && p.g() == null) {
            throw new IllegalArgumentException(where + ": the problem has no constraints; use EqualityConstrainedQP");
        }
        if (p.c() == null) {
            throw new IllegalArgumentException(where + ": c is null");
        }
        int n = p.c().rank() == 1 ? p.c().dim(0) : -1;
        int rows = 0;
        if (p.a() != null) {
            rows = QpChecks.requireMatrix(where, "a", p.a(), n);
            QpChecks.requireVector(where, "b", p.b(), rows);
            QpChecks.requireFinite(where, "b", p.b());
        }
        int m = 0;
        if (p.g() != null) {
            m = QpChecks.requireMatrix(where, "g", p.g(), n);
            QpChecks.requireVector(where, "h", p.h(), m);
            for (double v : p.h().concrete().toArray()) {
                if (Double.isNaN(v) || v == Double.NEGATIVE_INFINITY) {
                    throw new IllegalArgumentException(where + ": h holds " + v + " (the constraint cannot be met)");
                }
            }
        }
        return new int[]{n, rows, m};
    }

    /** The box form [b; −∞] ≤ [A; G]x ≤ [b; h]. */
    private static BoxOSQP.Problem boxProblem(Problem p) {
        List<Tensor> rows = new ArrayList<>();
        List<Tensor> lower = new ArrayList<>();
        List<Tensor> upper = new ArrayList<>();
        if (p.a() != null) {
            rows.add(p.a());
            lower.add(p.b());
            upper.add(p.b());
        }
        if (p.g() != null) {
            rows.add(p.g());
            lower.add(Tensor.full(Double.NEGATIVE_INFINITY, p.h().dim(0)));
            upper.add(p.h());
        }
        return new BoxOSQP.Problem(p.q(), p.c(), Tensor.concatenate(rows, 0), Tensor.concatenate(lower, 0),
                Tensor.concatenate(upper, 0));
    }

    /** The box form's point (x, [ν; λ]) of a KKT point (also for {@link OperatorOSQP}). */
    static BoxOSQP.Point boxPoint(Kkt.Point<Tensor> z) {
        List<Tensor> y = new ArrayList<>();
        if (z.eqDual() != null) {
            y.add(z.eqDual());
        }
        if (z.ineqDual() != null) {
            y.add(z.ineqDual());
        }
        return new BoxOSQP.Point(z.primal(), y.size() == 1 ? y.get(0) : Tensor.concatenate(y, 0));
    }

    /** The KKT point of a box-form point whose first p multipliers are those of the equalities. */
    static Kkt.Point<Tensor> kktPoint(BoxOSQP.Point z, int p) {
        Tensor y = z.y();
        int total = y.dim(0);
        return new Kkt.Point<>(z.x(), p == 0 ? null : y.slice(0, 0, p), p == total ? null : y.slice(0, p, total));
    }

    @Override
    public State init(Kkt.Point<Tensor> init, Problem p) {
        int[] d = dims(p);
        if (init == null || init.primal() == null) {
            throw new IllegalArgumentException("OSQP: the initial point has no primal variables");
        }
        if ((d[1] == 0) != (init.eqDual() == null) || (d[2] == 0) != (init.ineqDual() == null)) {
            throw new IllegalArgumentException("OSQP: the initial point must have duals for exactly the constraints the "
                    + "problem has: Kkt.zeroDuals(x, " + d[1] + ", " + d[2] + ")");
        }
        return new State(box.init(boxPoint(init), boxProblem(p)), Double.POSITIVE_INFINITY);
    }

    @Override
    public OptStep<Kkt.Point<Tensor>, State> update(Kkt.Point<Tensor> params, State state, Problem p) {
        OptStep<BoxOSQP.Point, BoxOSQP.State> step = box.update(boxPoint(params), state.inner(), boxProblem(p));
        Kkt.Point<Tensor> next = kktPoint(step.params(), p.a() == null ? 0 : p.a().dim(0));
        // Far from convergence the box form's residual (zero at the same points) stands in for this one, which
        // costs five more products per iteration; near the tolerance the certified measure itself is used.
        double inner = step.state().error();
        double error = inner > 1e3 * Math.max(options().tol(), 1e-12) ? inner
                : EqualityConstrainedQP.kktError(this, next, p);
        return new OptStep<>(next, new State(step.state(), error));
    }

    /** F(x, ν, λ) = (Qx + c + Aᵀν + Gᵀλ, Ax − b, λ ∘ (Gx − h)). */
    @Override
    public Kkt.Point<Tensor> optimality(Kkt.Point<Tensor> z, Problem p) {
        Tensor x = z.primal();
        Tensor stationarity = p.q().matmul(x).add(p.c());
        Tensor feasibility = null;
        Tensor slackness = null;
        if (p.a() != null) {
            stationarity = stationarity.add(p.a().transposeMatmul(z.eqDual()));
            feasibility = p.a().matmul(x).sub(p.b());
        }
        if (p.g() != null) {
            stationarity = stationarity.add(p.g().transposeMatmul(z.ineqDual()));
            Tensor gx = p.g().matmul(x);
            // A row with h = +∞ is no constraint; its slack is read as −1 (not −∞) so that λ·(Gx − h)
            // is 0 rather than 0·∞ = NaN, in the residual and in every derivative.
            Tensor h = p.h();
            if (h.concrete().max().item() == Double.POSITIVE_INFINITY) {
                h = Tensor.where(h.lt(Double.POSITIVE_INFINITY), h, gx.add(1.0));
            }
            slackness = z.ineqDual().mul(gx.sub(h));
        }
        return new Kkt.Point<>(stationarity, feasibility, slackness);
    }
}
