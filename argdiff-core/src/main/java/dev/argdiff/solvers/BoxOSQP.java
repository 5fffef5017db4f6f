package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.Pytree;
import dev.argdiff.backend.Blas;
import dev.argdiff.linalg.LinearOperator;
import dev.argdiff.linalg.LinearSolve;
import dev.argdiff.linalg.LinearSolver;
import dev.argdiff.linalg.PreparedSolver;
import dev.argdiff.linalg.Tag;
import dev.argdiff.linalg.dense.LU;
import dev.argdiff.linalg.dense.SingularMatrixException;
import dev.argdiff.tensor.Tensor;

import java.util.Arrays;

/**
 * The quadratic program in OSQP's box form
 * <pre>
 *   min_x ½xᵀQx + cᵀx   subject to   l ≤ Ax ≤ u,
 * </pre>
 * Q symmetric positive semidefinite, A of shape [m, n], bounds possibly infinite, equality rows
 * lᵢ = uᵢ allowed; solved by the ADMM of OSQP (Stellato, Banjac, Goulart, Bemporad, Boyd, "OSQP:
 * an operator splitting solver for quadratic programs", Math. Prog. Comp. 2020, Algorithm 1).
 *
 * <p>One {@link #update} is one ADMM iteration with over-relaxation α:
 * <pre>
 *   (Q + σI + Aᵀdiag(ρ)A) x̃ = σx − c + Aᵀ(ρ∘z − y),   z̃ = Ax̃
 *   x ← αx̃ + (1−α)x,   ẑ = αz̃ + (1−α)z,   z ← Π_[l,u](ẑ + y/ρ),   y ← y + ρ∘(ẑ − z).
 * </pre>
 * The first line is the paper's KKT system [Q + σI, Aᵀ; A, −diag(ρ)⁻¹] reduced to its Schur
 * complement, which is positive definite: it is prepared once by the linear solver (a Cholesky
 * factorization by default, or products only with {@code matrixFree} and a Krylov solver) and
 * reused by every iteration; it is prepared again only when ρ adapts. ρ is a vector: equality
 * rows get 10³·ρ, rows with no finite bound 10⁻⁶ (as OSQP). Adaptive ρ (paper §5.2): every
 * {@code adaptiveRhoInterval} iterations, ρ is scaled by √((‖r_prim‖/max(‖Ax‖,‖z‖)) /
 * (‖r_dual‖/max(‖Qx‖,‖Aᵀy‖,‖c‖))) when that factor leaves [1/t, t], t =
 * {@code adaptiveRhoTolerance}. The problem is not rescaled (OSQP's Ruiz equilibration is not
 * done): badly scaled data converge more slowly.
 * For Q and A known only by their products (matvec functions with parameters, no matrix),
 * use {@link OperatorBoxOSQP}.
 *
 * <p><b>Polishing</b> (paper §5.3): once the ADMM residuals meet {@code epsAbs}/{@code epsRel}, the
 * constraints guessed active (zᵢ − lᵢ &lt; −yᵢ or uᵢ − zᵢ &lt; yᵢ) are imposed as
 * equalities and the equality-constrained QP is solved directly (dense LU of its KKT matrix). The
 * polished point is kept if it is primal feasible, its duals have the right signs, and its KKT
 * residual is smaller; at a strictly complementary solution this gives the exact solution to
 * rounding, which is what implicit differentiation needs. Each active set is tried once.
 *
 * <p><b>Infeasibility</b> (Banjac, Goulart, Stellato, Boyd, "Infeasibility detection in the
 * alternating direction method of multipliers for convex optimization", JOTA 2019): with δy, δx
 * the changes of the last iteration, the run stops with {@link SolverStatus#PRIMAL_INFEASIBLE}
 * when ‖Aᵀδy‖∞ ≤ ε‖δy‖∞ and uᵀδy⁺ + lᵀδy⁻ ≤ −ε‖δy‖∞, and with
 * {@link SolverStatus#DUAL_INFEASIBLE} (unbounded below) when ‖Qδx‖∞ ≤ ε‖δx‖∞, cᵀδx ≤ −ε‖δx‖∞
 * and Aδx lies in the recession cone of [l, u] to ε‖δx‖∞. The returned point is then the last
 * iterate, not a solution, and implicit differentiation refuses it.
 *
 * <p><b>Solution and derivative.</b> The solution is the primal-dual {@link Point} (x, y), y the
 * multiplier of l ≤ Ax ≤ u (yᵢ &gt; 0 at an active upper bound, &lt; 0 at an active lower bound).
 * Optimality condition F(x, y) = (Qx + c + Aᵀy, Ax − Π_[l,u](Ax + y)), differentiable in Q, c,
 * A, l and u; error ‖F‖₂ / max(1, ‖(x, y)‖₂), the residual implicit differentiation certifies.
 * The projection in F is differentiated as the identity on the closed interval: at a weakly active
 * constraint (Ax at a bound with zero multiplier) the derivative is the one-sided derivative of an
 * inactive constraint, the bound receiving none.
 *
 * <p><b>Unrolling</b> ({@code implicitDiff(false)}): the ADMM iterations are differentiated. The
 * discrete choices — ρ and its adaptation, the infeasibility verdict, whether and on which active
 * set to polish — are made on concrete values and held constant; each iteration's x-update is the
 * differentiable solve ({@link LinearSolve}) of Q + σI + Aᵀdiag(ρ)A assembled densely, prepared
 * anew at every iteration (one factorization per unrolled iteration, also with {@code matrixFree}),
 * and an accepted polish is the differentiable solve of its KKT system, so a run that ends polished
 * has the exact derivative of its active set. The initial split variable z₀ = Π(Ax₀) is a constant.
 *
 * <p>Defaults ({@link Options#defaults()}): ρ 0.1, σ 10⁻⁶, α 1.6, adaptive ρ every 25 iterations
 * with tolerance 5, polishing on, epsAbs = epsRel = 10⁻⁵ (the trigger of polishing), infeasibility
 * tolerances 10⁻⁵, Cholesky; common options in {@link SolverOptions} (maxiter 500, tol 10⁻⁶), except
 * the linear solver of implicit differentiation, dense LU ({@link LinearSolver#lu()}) by default: the
 * KKT Jacobian is indefinite and restarted GMRES stalls on it (measured: no convergence after 1500
 * iterations for n + m = 150); building it densely costs n + m products with it.
 */
public final class BoxOSQP extends IterativeSolver<BoxOSQP.Point, BoxOSQP.Problem, BoxOSQP.State, BoxOSQP> {

    /**
     * The data (a tree: every tensor is differentiable).
     *
     * @param q     the n×n symmetric positive semidefinite matrix
     * @param c     the linear term, shape [n]
     * @param a     the constraint matrix, shape [m, n]
     * @param lower l, shape [m], entries may be −∞
     * @param upper u, shape [m], entries may be +∞
     */
    public record Problem(Tensor q, Tensor c, Tensor a, Tensor lower, Tensor upper) {
    }

    /** A primal-dual point: x, shape [n], and the multiplier y of l ≤ Ax ≤ u, shape [m]. */
    public record Point(Tensor x, Tensor y) {
    }

    /**
     * The solver's own options (see the class documentation for their meaning).
     *
     * @param rho                  initial ρ, &gt; 0
     * @param sigma                σ, &gt; 0
     * @param alpha                over-relaxation, in (0, 2)
     * @param adaptiveRho          adapt ρ
     * @param adaptiveRhoInterval  iterations between adaptations, ≥ 1
     * @param adaptiveRhoTolerance adapt only when the factor leaves [1/t, t], t ≥ 1
     * @param polish               polish the ADMM solution by an equality-constrained solve
     * @param epsAbs               absolute ADMM tolerance that triggers polishing, ≥ 0
     * @param epsRel               relative ADMM tolerance that triggers polishing, ≥ 0
     * @param epsInfeasible        tolerance ε of both infeasibility certificates, &gt; 0
     * @param linearSolver         the method for the reduced KKT system (prepared once per ρ)
     * @param matrixFree           give that system to the linear solver as products (for a Krylov method)
     */
    public record Options(double rho, double sigma, double alpha, boolean adaptiveRho, int adaptiveRhoInterval,
                          double adaptiveRhoTolerance, boolean polish, double epsAbs, double epsRel,
                          double epsInfeasible, LinearSolver linearSolver, boolean matrixFree) {
        public Options {
            positive("rho", rho);
            positive("sigma", sigma);
            if (!(alpha > 0 && alpha < 2)) {
                throw new IllegalArgumentException("BoxOSQP.Options: alpha must be in (0, 2), got " + alpha);
            }
            if (adaptiveRhoInterval < 1) {
                throw new IllegalArgumentException("BoxOSQP.Options: adaptiveRhoInterval must be >= 1, got "
                        + adaptiveRhoInterval);
            }
            if (!(adaptiveRhoTolerance >= 1) || Double.isInfinite(adaptiveRhoTolerance)) {
                throw new IllegalArgumentException("BoxOSQP.Options: adaptiveRhoTolerance must be finite and >= 1, got "
                        + adaptiveRhoTolerance);
            }
            nonNegative("epsAbs", epsAbs);
            nonNegative("epsRel", epsRel);
            positive("epsInfeasible", epsInfeasible);
            if (linearSolver == null) {
                throw new IllegalArgumentException("BoxOSQP.Options: linearSolver must not be null");
            }
        }

        private static void positive(String name, double v) {
            if (!(v > 0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException("BoxOSQP.Options: " + name + " must be finite and > 0, got " + v);
            }
        }

        private static void nonNegative(String name, double v) {
            if (!(v >= 0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException("BoxOSQP.Options: " + name + " must be finite and >= 0, got " + v);
            }
        }

        public static Options defaults() {
            return new Options(0.1, 1e-6, 1.6, true, 25, 5.0, true, 1e-5, 1e-5, 1e-5, LinearSolver.cholesky(), false);
        }

        public Options withRho(double v) {
            return new Options(v, sigma, alpha, adaptiveRho, adaptiveRhoInterval, adaptiveRhoTolerance, polish, epsAbs,
                    epsRel, epsInfeasible, linearSolver, matrixFree);
        }

        public Options withSigma(double v) {
            return new Options(rho, v, alpha, adaptiveRho, adaptiveRhoInterval, adaptiveRhoTolerance, polish, epsAbs,
                    epsRel, epsInfeasible, linearSolver, matrixFree);
        }

        public Options withAlpha(double v) {
            return new Options(rho, sigma, v, adaptiveRho, adaptiveRhoInterval, adaptiveRhoTolerance, polish, epsAbs,
                    epsRel, epsInfeasible, linearSolver, matrixFree);
        }

        public Options withAdaptiveRho(boolean v) {
            return new Options(rho, sigma, alpha, v, adaptiveRhoInterval, adaptiveRhoTolerance, polish, epsAbs,
                    epsRel, epsInfeasible, linearSolver, matrixFree);
        }

        public Options withAdaptiveRhoInterval(int v) {
            return new Options(rho, sigma, alpha, adaptiveRho, v, adaptiveRhoTolerance, polish, epsAbs,
                    epsRel, epsInfeasible, linearSolver, matrixFree);
        }

        public Options withAdaptiveRhoTolerance(double v) {
            return new Options(rho, sigma, alpha, adaptiveRho, adaptiveRhoInterval, v, polish, epsAbs,
                    epsRel, epsInfeasible, linearSolver, matrixFree);
        }

        public Options withPolish(boolean v) {
            return new Options(rho, sigma, alpha, adaptiveRho, adaptiveRhoInterval, adaptiveRhoTolerance, v, epsAbs,
                    epsRel, epsInfeasible, linearSolver, matrixFree);
        }

        public Options withEpsAbs(double v) {
            return new Options(rho, sigma, alpha, adaptiveRho, adaptiveRhoInterval, adaptiveRhoTolerance, polish, v,
                    epsRel, epsInfeasible, linearSolver, matrixFree);
        }

        public Options withEpsRel(double v) {
            return new Options(rho, sigma, alpha, adaptiveRho, adaptiveRhoInterval, adaptiveRhoTolerance, polish, epsAbs,
                    v, epsInfeasible, linearSolver, matrixFree);
        }

        public Options withEpsInfeasible(double v) {
            return new Options(rho, sigma, alpha, adaptiveRho, adaptiveRhoInterval, adaptiveRhoTolerance, polish, epsAbs,
                    epsRel, v, linearSolver, matrixFree);
        }

        public Options withLinearSolver(LinearSolver v) {
            return new Options(rho, sigma, alpha, adaptiveRho, adaptiveRhoInterval, adaptiveRhoTolerance, polish, epsAbs,
                    epsRel, epsInfeasible, v, matrixFree);
        }

        public Options withMatrixFree(boolean v) {
            return new Options(rho, sigma, alpha, adaptiveRho, adaptiveRhoInterval, adaptiveRhoTolerance, polish, epsAbs,
                    epsRel, epsInfeasible, linearSolver, v);
        }
    }

    /**
     * The ADMM state: the split variable z, the current ρ (a vector) with its prepared linear
     * solver, the last primal and dual residuals (∞-norm), how many times the system was prepared,
     * and a verdict once an infeasibility certificate is found.
     */
    public record State(int iterations, double error, Tensor z, Tensor rho, Factor factor, double primalResidual,
                        double dualResidual, int factorizations, boolean polished, int lastPolishedSet,
                        SolverStatus verdict) implements SolverState {
    }

    /** The prepared reduced KKT system for one ρ (a static value of the state, never differentiated). */
    public static final class Factor {
        private final PreparedSolver prepared;
        /** The run's concrete data, read once in init (the arguments are fixed during a run). */
        private final Data data;

        private Factor(PreparedSolver prepared, Data data) {
            this.prepared = prepared;
            this.data = data;
        }

        double[] solve(double[] b, double[] x0) {
            PreparedSolver.Result r = prepared.solve(b, x0);
            return r.x();
        }

        @Override
        public String toString() {
            return "BoxOSQP.Factor[" + prepared.operator().size() + "]";
        }
    }

    private final Options options;

    private BoxOSQP(SolverOptions common, Options options) {
        super(common);
        this.options = options;
    }

    /** The solver with default options. */
    public static BoxOSQP create() {
        // The KKT Jacobian is indefinite and, in product form, badly scaled: restarted GMRES (auto's choice
        // above 20 unknowns) stalls on it, so implicit differentiation factors it densely by default.
        SolverOptions common = SolverOptions.defaults();
        return new BoxOSQP(common.withImplicitOptions(common.implicitOptions().withSolver(LinearSolver.lu())),
                Options.defaults());
    }

    @Override
    protected BoxOSQP withOptions(SolverOptions common) {
        return new BoxOSQP(common, options);
    }

    public Options solverOptions() {
        return options;
    }

    /** @throws IllegalArgumentException if options is null */
    public BoxOSQP with(Options value) {
        if (value == null) {
            throw new IllegalArgumentException("BoxOSQP.with: options is null");
        }
        return new BoxOSQP(options(), value);
    }

    public BoxOSQP withRho(double v) {
        return with(options.withRho(v));
    }

    public BoxOSQP withSigma(double v) {
        return with(options.withSigma(v));
    }

    public BoxOSQP withAlpha(double v) {
        return with(options.withAlpha(v));
    }

    public BoxOSQP withAdaptiveRho(boolean v) {
        return with(options.withAdaptiveRho(v));
    }

    public BoxOSQP withPolish(boolean v) {
        return with(options.withPolish(v));
    }

    public BoxOSQP withLinearSolver(LinearSolver v) {
        return with(options.withLinearSolver(v));
    }

    public BoxOSQP withMatrixFree(boolean v) {
        return with(options.withMatrixFree(v));
    }

    /** Runs from x = 0, y = 0. */
    public SolverResult<Point, State> run(Problem problem) {
        int[] d = check(problem);
        return run(new Point(Tensor.zeros(d[0]), Tensor.zeros(d[1])), problem);
    }

    /** Validates the data; returns {n, m}. */
    static int[] check(Problem p) {
        String where = "BoxOSQP";
        if (p == null) {
            throw new IllegalArgumentException(where + ": problem is null");
        }
        int n = QpChecks.requireSymmetric(where, p.q());
        QpChecks.requireVector(where, "c", p.c(), n);
        QpChecks.requireFinite(where, "c", p.c());
        int m = QpChecks.requireMatrix(where, "a", p.a(), n);
        QpChecks.requireVector(where, "lower", p.lower(), m);
        QpChecks.requireVector(where, "upper", p.upper(), m);
        BoxAdmm.requireIntervals(where, p.lower().concrete().toArray(), p.upper().concrete().toArray());
        return new int[]{n, m};
    }

    @Override
    public State init(Point init, Problem p) {
        int[] d = check(p);
        if (init == null || init.x() == null || init.y() == null) {
            throw new IllegalArgumentException("BoxOSQP: the initial point needs x and y (new Point(x, y))");
        }
        QpChecks.requireVector("BoxOSQP", "the initial x", init.x(), d[0]);
        QpChecks.requireVector("BoxOSQP", "the initial y", init.y(), d[1]);
        QpChecks.requireFinite("BoxOSQP", "the initial x", init.x());
        QpChecks.requireFinite("BoxOSQP", "the initial y", init.y());
        Data data = Data.of(p);
        double[] z = data.project(data.times(init.x().concrete().toArray()));
        double[] rho = data.initialRho(options.rho());
        return new State(0, Double.POSITIVE_INFINITY, Tensor.of(z), Tensor.of(rho), prepare(data, rho), Double.NaN,
                Double.NaN, 1, false, 0, null);
    }

    /** The problem's concrete arrays, with their dense products. */
    static final class Data extends BoxAdmm {
        final double[] q;
        final double[] a;

        private Data(int n, int m, double[] q, double[] c, double[] a, double[] l, double[] u) {
            super(n, m, c, l, u);
            this.q = q;
            this.a = a;
        }

        static Data of(Problem p) {
            int n = p.c().dim(0);
            return new Data(n, p.a().dim(0), p.q().concrete().toArray(), p.c().concrete().toArray(),
                    p.a().concrete().toArray(), p.lower().concrete().toArray(), p.upper().concrete().toArray());
        }

        @Override
        double[] times(double[] x) {
            double[] y = new double[m];
            Blas.gemv(false, m, n, 1.0, a, 0, x, 0, 0.0, y, 0);
            return y;
        }

        @Override
        double[] transposeTimes(double[] y) {
            double[] x = new double[n];
            Blas.gemv(true, m, n, 1.0, a, 0, y, 0, 0.0, x, 0);
            return x;
        }

        @Override
        double[] qTimes(double[] x) {
            double[] y = new double[n];
            Blas.gemv(false, n, n, 1.0, q, 0, x, 0, 0.0, y, 0);
            return y;
        }
    }

    /** Prepares Q + σI + Aᵀdiag(ρ)A: as a dense matrix (default) or as its products. */
    private Factor prepare(Data d, double[] rho) {
        int n = d.n;
        int m = d.m;
        LinearOperator<Tensor> op;
        if (options.matrixFree()) {
            double sigma = options.sigma();
            op = LinearOperator.fromMatvec((Tensor v) -> Tensor.of(d.systemTimes(v.toArray(), rho, sigma)),
                    Tensor.zeros(n));
        } else {
            double[] scaled = new double[m * n];
            for (int i = 0; i < m; i++) {
                double s = Math.sqrt(rho[i]);
                for (int j = 0; j < n; j++) {
                    scaled[i * n + j] = s * d.a[i * n + j];
                }
            }
            double[] k = d.q.clone();
            for (int j = 0; j < n; j++) {
                k[j * n + j] += options.sigma();
            }
            // K += (√ρ∘A)ᵀ(√ρ∘A), one BLAS product.
            Blas.gemm(true, false, n, n, m, 1.0, scaled, 0, scaled, 0, 1.0, k, 0);
            symmetrize(k, n);
            op = LinearOperator.fromMatrix(Tensor.of(new int[]{n, n}, k));
        }
        op = op.withTags(Tag.SYMMETRIC, Tag.POSITIVE_DEFINITE);
        return new Factor(options.linearSolver().prepare(op), d);
    }

    private static void symmetrize(double[] k, int n) {
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double v = 0.5 * (k[i * n + j] + k[j * n + i]);
                k[i * n + j] = v;
                k[j * n + i] = v;
            }
        }
    }

    @Override
    public OptStep<Point, State> update(Point params, State s, Problem p) {
        if (!Pytree.isConcrete(params) || !Pytree.isConcrete(p) || !Pytree.isConcrete(s.z())) {
            return unrolledUpdate(params, s, p);
        }
        return concreteUpdate(params, s, p, new boolean[1][][]);
    }

    /** One iteration on concrete values; {@code polishedOn[0]} is set to the active set of a polished point returned. */
    private OptStep<Point, State> concreteUpdate(Point params, State s, Problem p, boolean[][][] polishedOn) {
        Data d = s.factor().data;
        double[] x = params.x().toArray();
        double[] y = params.y().toArray();
        double[] z = s.z().toArray();
        double[] rho = s.rho().toArray();
        double[] xt = s.factor().solve(d.systemRhs(x, y, z, rho, options.sigma()), x);
        BoxAdmm.Step st = d.step(x, y, z, rho, xt, options.alpha(), options.epsInfeasible());
        double[] zn = st.z();
        SolverStatus verdict = st.verdict();
        int k = s.iterations() + 1;
        Factor factor = s.factor();
        int factorizations = s.factorizations();
        if (options.adaptiveRho()
                && BoxAdmm.adaptRho(rho, st, k, options.adaptiveRhoInterval(), options.adaptiveRhoTolerance())) {
            factor = prepare(d, rho);
            factorizations++;
        }
        boolean polished = s.polished();
        int lastSet = s.lastPolishedSet();
        Point next = new Point(Tensor.of(st.x()), Tensor.of(st.y()));
        double error = d.error(st.x(), st.y(), st.ax(), st.qx(), st.aty());
        boolean admmConverged = st.primal() <= options.epsAbs() + options.epsRel() * st.primalScale()
                && st.dual() <= options.epsAbs() + options.epsRel() * st.dualScale();
        if (verdict == null && options.polish() && admmConverged && error > options().tol()) {
            boolean[][] act = activeSet(d, zn, st.y());
            int signature = Arrays.deepHashCode(act);
            if (signature != lastSet) {
                lastSet = signature;
                double[][] pol = polish(d, act);
                if (pol != null) {
                    double e = d.error(pol[0], pol[1], d.times(pol[0]), d.qTimes(pol[0]), d.transposeTimes(pol[1]));
                    if (e < error) {
                        next = new Point(Tensor.of(pol[0]), Tensor.of(pol[1]));
                        zn = d.project(d.times(pol[0]));
                        error = e;
                        polished = true;
                        polishedOn[0] = act;
                    }
                }
            }
        }
        return new OptStep<>(next, new State(k, error, Tensor.of(zn), Tensor.of(rho), factor, st.primal(), st.dual(),
                factorizations, polished, lastSet, verdict));
    }

    /**
     * One iteration on traced values (unrolling): the concrete iteration makes every discrete
     * choice (ρ and its adaptation, the verdict, whether and on which active set to polish), and
     * the same step is then recomputed with differentiable operations — the x-update by
     * {@link LinearSolve} on Q + σI + Aᵀdiag(ρ)A assembled densely (prepared anew at every
     * iteration, so unrolling costs one factorization per iteration), the projection by
     * {@link BoxCDQP#clip}, and an accepted polish by the differentiable solve of its KKT system.
     */
    private OptStep<Point, State> unrolledUpdate(Point params, State s, Problem p) {
        State sc = new State(s.iterations(), s.error(), s.z().concrete(), s.rho(), s.factor(), s.primalResidual(),
                s.dualResidual(), s.factorizations(), s.polished(), s.lastPolishedSet(), s.verdict());
        Point pc = new Point(params.x().concrete(), params.y().concrete());
        boolean[][][] polishedOn = new boolean[1][][];
        OptStep<Point, State> c = concreteUpdate(pc, sc, Autodiff.stopGradient(p), polishedOn);
        Data d = s.factor().data;
        int n = d.n;
        int m = d.m;
        double alpha = options.alpha();
        Tensor rho = s.rho().concrete();
        Tensor x = params.x();
        Tensor y = params.y();
        Tensor z = s.z();
        Tensor k = p.q().add(Tensor.eye(n).mul(options.sigma()))
                .add(p.a().transposeMatmul(p.a().mul(rho.reshape(m, 1))));
        Tensor rhs = x.mul(options.sigma()).sub(p.c()).add(p.a().transposeMatmul(rho.mul(z).sub(y)));
        Tensor xt = LinearSolve.solve(LinearOperator.fromMatrix(k).withTags(Tag.SYMMETRIC, Tag.POSITIVE_DEFINITE), rhs,
                options.linearSolver());
        Tensor xn = xt.mul(alpha).add(x.mul(1 - alpha));
        Tensor zr = p.a().matmul(xt).mul(alpha).add(z.mul(1 - alpha));
        Tensor zn = BoxCDQP.clip(zr.add(y.div(rho)), p.lower(), p.upper());
        Tensor yn = y.add(rho.mul(zr.sub(zn)));
        if (polishedOn[0] != null) {
            // The concrete iteration accepted a polished point: recompute it on the same active set.
            Point polished = polishTraced(p, d, polishedOn[0]);
            xn = polished.x();
            yn = polished.y();
            zn = BoxCDQP.clip(p.a().matmul(xn), p.lower(), p.upper());
        }
        State next = c.state();
        return new OptStep<>(new Point(xn, yn), new State(next.iterations(), next.error(), zn, next.rho(),
                next.factor(), next.primalResidual(), next.dualResidual(), next.factorizations(), next.polished(),
                next.lastPolishedSet(), next.verdict()));
    }

    /** {@link #polish} with differentiable operations, on an active set the concrete polish accepted. */
    private static Point polishTraced(Problem p, Data d, boolean[][] act) {
        int n = d.n;
        int[] rows = new int[d.m];
        boolean[] lower = new boolean[d.m];
        int k = 0;
        for (int i = 0; i < d.m; i++) {
            if (act[0][i] || act[1][i]) {
                lower[k] = d.l[i] == d.u[i] || (act[0][i] && !act[1][i]);
                if (d.l[i] == d.u[i] || act[0][i] != act[1][i]) {
                    rows[k++] = i;
                }
            }
        }
        rows = Arrays.copyOf(rows, k);
        Tensor rhsX = p.c().neg();
        if (k == 0) {
            return new Point(LinearSolve.solve(LinearOperator.fromMatrix(p.q()), rhsX, LinearSolver.lu()),
                    Tensor.zeros(d.m));
        }
        Tensor ar = p.a().take(rows, 0);
        Tensor mask = Tensor.of(toDoubles(Arrays.copyOf(lower, k))).gt(Tensor.scalar(0.5));
        Tensor target = Tensor.where(mask, p.lower().take(rows), p.upper().take(rows));
        Tensor kkt = Tensor.concatenate(java.util.List.of(
                Tensor.concatenate(java.util.List.of(p.q(), ar.transpose()), 1),
                Tensor.concatenate(java.util.List.of(ar, Tensor.zeros(k, k)), 1)), 0);
        Tensor sol = LinearSolve.solve(LinearOperator.fromMatrix(kkt), Tensor.concatenate(java.util.List.of(rhsX, target),
                0), LinearSolver.lu());
        double[] e = new double[d.m * k];
        for (int j = 0; j < k; j++) {
            e[rows[j] * k + j] = 1.0;
        }
        Tensor yAll = Tensor.of(new int[]{d.m, k}, e).matmul(sol.slice(0, n, n + k));
        return new Point(sol.slice(0, 0, n), yAll);
    }

    private static double[] toDoubles(boolean[] b) {
        double[] v = new double[b.length];
        for (int i = 0; i < b.length; i++) {
            v[i] = b[i] ? 1.0 : 0.0;
        }
        return v;
    }

    /** [lower active, upper active] per constraint, OSQP's guess (paper §5.3). */
    private static boolean[][] activeSet(Data d, double[] z, double[] y) {
        boolean[][] act = new boolean[2][d.m];
        for (int i = 0; i < d.m; i++) {
            act[0][i] = d.l[i] != Double.NEGATIVE_INFINITY && z[i] - d.l[i] < -y[i];
            act[1][i] = d.u[i] != Double.POSITIVE_INFINITY && d.u[i] - z[i] < y[i];
        }
        return act;
    }

    /** The equality QP on the guessed active set, by dense LU; null if singular, infeasible or of the wrong sign. */
    private static double[][] polish(Data d, boolean[][] act) {
        int n = d.n;
        int[] rows = new int[d.m];
        double[] target = new double[d.m];
        int k = 0;
        for (int i = 0; i < d.m; i++) {
            if (d.l[i] == d.u[i] && (act[0][i] || act[1][i])) {
                rows[k] = i;
                target[k++] = d.l[i];
            } else if (act[0][i] && !act[1][i]) {
                rows[k] = i;
                target[k++] = d.l[i];
            } else if (act[1][i] && !act[0][i]) {
                rows[k] = i;
                target[k++] = d.u[i];
            }
        }
        if (k > n) {
            return null;
        }
        int size = n + k;
        double[] kkt = new double[size * size];
        for (int i = 0; i < n; i++) {
            System.arraycopy(d.q, i * n, kkt, i * size, n);
        }
        for (int r = 0; r < k; r++) {
            for (int j = 0; j < n; j++) {
                double v = d.a[rows[r] * n + j];
                kkt[(n + r) * size + j] = v;
                kkt[j * size + n + r] = v;
            }
        }
        double[] rhs = new double[size];
        for (int j = 0; j < n; j++) {
            rhs[j] = -d.c[j];
        }
        System.arraycopy(target, 0, rhs, n, k);
        double[] sol;
        try {
            sol = LU.factor(kkt, size).solve(rhs);
        } catch (SingularMatrixException e) {
            return null;
        }
        double[] x = Arrays.copyOf(sol, n);
        double[] y = new double[d.m];
        for (int r = 0; r < k; r++) {
            int i = rows[r];
            y[i] = sol[n + r];
            boolean equality = d.l[i] == d.u[i];
            if (!equality && (d.u[i] == target[r] ? y[i] < 0 : y[i] > 0)) {
                return null;
            }
        }
        double[] ax = d.times(x);
        for (int i = 0; i < d.m; i++) {
            double slack = 1e-9 * (1 + Math.abs(ax[i]));
            if (ax[i] < d.l[i] - slack || ax[i] > d.u[i] + slack) {
                return null;
            }
        }
        return new double[][]{x, y};
    }

    /** F(x, y) = (Qx + c + Aᵀy, Ax − Π_[l,u](Ax + y)). */
    @Override
    public Point optimality(Point z, Problem p) {
        Tensor ax = p.a().matmul(z.x());
        Tensor stationarity = p.q().matmul(z.x()).add(p.c()).add(p.a().transposeMatmul(z.y()));
        return new Point(stationarity, ax.sub(BoxCDQP.clip(ax.add(z.y()), p.lower(), p.upper())));
    }
}
