package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.Pytree;
import dev.argdiff.linalg.LinearSolver;
import dev.argdiff.linalg.krylov.ConjugateGradient;
import dev.argdiff.linalg.krylov.KrylovOptions;
import dev.argdiff.linalg.krylov.KrylovResult;
import dev.argdiff.tensor.Tensor;

import java.util.Arrays;
import java.util.Locale;
import java.util.function.BiFunction;

import static dev.argdiff.solvers.FlatValues.dot;

/**
 * {@link BoxOSQP} with Q and A given as operators: the quadratic program
 * <pre>
 *   min_x ½xᵀQ(θ_Q)x + cᵀx   subject to   l ≤ A(θ_A)x ≤ u,
 * </pre>
 * where only the products x ↦ Q(θ_Q)x and x ↦ A(θ_A)x are known, as functions
 * {@code matvecQ(paramsQ, x)} and {@code matvecA(paramsA, x)} written with tensor operations (JAXopt's
 * {@code BoxOSQP(matvec_Q=…, matvec_A=…)} with {@code params_obj = (params_Q, c)},
 * {@code params_eq = params_A}, {@code params_ineq = (l, u)}). The transpose y ↦ Aᵀy is
 * {@code rmatvecA(paramsA, y)} when given, else reverse-mode differentiation of {@code matvecA}
 * (A is linear, so its pullback at 0 is Aᵀ; computed once per run). No matrix is ever formed.
 *
 * <p>The ADMM is that of {@link BoxOSQP} (Stellato, Banjac, Goulart, Bemporad, Boyd, "OSQP: an
 * operator splitting solver for quadratic programs", Math. Prog. Comp. 2020, Algorithm 1, with
 * over-relaxation α, vector ρ, adaptive ρ and the infeasibility certificates of Banjac et al.
 * 2019), except for the x-update: the positive definite system
 * <pre>
 *   (Q + σI + Aᵀdiag(ρ)A) x̃ = σx − c + Aᵀ(ρ∘z − y)
 * </pre>
 * is solved inexactly by conjugate gradients warm-started from the current x, to the absolute
 * residual max(κ·min(r_prim, r_dual), 10⁻¹⁵·max(1, ‖rhs‖)) with r_prim, r_dual the ∞-norm ADMM
 * residuals of the previous iteration and κ = {@code cgTolerance} (relative 10⁻³ at the first
 * iteration): far from the solution a few CG steps suffice, and the accuracy tightens with the
 * ADMM residuals (as the GPU OSQP does: Schubiger, Banjac, Lygeros, "GPU acceleration of ADMM for
 * large-scale quadratic programming", J. Parallel Distrib. Comput. 2020). A ρ
 * adaptation costs nothing here (no factorization to redo). A CG that meets non-positive
 * curvature means Q is not positive semidefinite: the run throws.
 *
 * <p><b>No polishing.</b> OSQP's polish solves an indefinite KKT system on a guessed active set
 * once; for operators that would need MINRES on the reduced KKT operator, and it is not done: the
 * run stops on the optimality residual alone, ‖F‖₂ / max(1, ‖(x, y)‖₂) ≤ {@code tol}, reached by
 * the ADMM's linear convergence (tighter tolerances cost iterations, not a factorization).
 *
 * <p><b>Solution and derivative.</b> The solution is the primal-dual {@link BoxOSQP.Point} (x, y),
 * and the optimality condition that of {@link BoxOSQP}, F(x, y) = (Qx + c + Aᵀy,
 * Ax − Π_[l,u](Ax + y)), written with the same products; implicit differentiation (the default)
 * differentiates it with respect to every tensor of the {@link Problem} — θ_Q, c, θ_A, l, u —
 * through the generic rule of {@link dev.argdiff.implicit.ImplicitDiff}, whose linear solve is
 * matrix-free: by default restarted GMRES (restart 100) on the Jacobian products of F, which are
 * products with Q, A and Aᵀ (the KKT Jacobian is nonsymmetric and indefinite; no CG). At a weakly
 * active constraint the derivative is the one-sided one of an inactive constraint, as in
 * {@link BoxOSQP}. The structured dense derivative of {@link OSQP} needs the matrices and is not
 * used here. <b>Unrolling</b> ({@code implicitDiff(false)} under a transform) is not available
 * and throws {@link IllegalStateException} naming implicit differentiation as the way: the
 * natural unrolled x-update, one differentiable CG solve per iteration, needs each of its solves
 * (the x-update and its derivative's) to meet a tolerance relative to the right-hand side, which
 * the system's conditioning (equality rows carry ρ·10³) can put below CG's attainable accuracy
 * (tried: one such solve stalled, its recursive residual at 4·10⁻¹⁶ but its true residual above
 * the 10⁻¹⁰ test, on a 30-variable QP with 3 equality rows).
 *
 * <p><b>Checks.</b> At {@link #init}, the products are probed once: each must return a finite
 * vector of the right shape ([n] for Q and Aᵀ, [m] for A), Q must be symmetric on the probe
 * (|⟨u, Qv⟩ − ⟨Qu, v⟩| small) and a given {@code rmatvecA} must be the adjoint of {@code matvecA}
 * on it; during the run every product is checked for shape and finiteness. A failure throws
 * {@link IllegalArgumentException} naming the function.
 *
 * <p>Defaults ({@link Options#defaults()}): ρ 0.1, σ 10⁻⁶, α 1.6, adaptive ρ every 25
 * iterations with tolerance 5, infeasibility tolerance 10⁻⁵, CG tolerance factor κ 0.1 with at
 * most 10·n CG steps per solve; common options in {@link SolverOptions} (maxiter 500, tol 10⁻⁶).
 *
 * @param <PQ> the tree of Q's parameters (a tensor, a record of tensors, or an empty list)
 * @param <PA> the tree of A's parameters
 */
public final class OperatorBoxOSQP<PQ, PA>
        extends IterativeSolver<BoxOSQP.Point, OperatorBoxOSQP.Problem<PQ, PA>, OperatorBoxOSQP.State,
        OperatorBoxOSQP<PQ, PA>> {

    /**
     * The data (a tree: every tensor in it is differentiable).
     *
     * @param paramsQ the parameters of Q, passed to {@code matvecQ} (any tree; may be an empty list)
     * @param c       the linear term, shape [n]
     * @param paramsA the parameters of A, passed to {@code matvecA} (and {@code rmatvecA})
     * @param lower   l, shape [m], entries may be −∞
     * @param upper   u, shape [m], entries may be +∞
     */
    public record Problem<PQ, PA>(PQ paramsQ, Tensor c, PA paramsA, Tensor lower, Tensor upper) {
    }

    /**
     * The solver's own options.
     *
     * @param rho                  initial ρ, &gt; 0
     * @param sigma                σ, &gt; 0
     * @param alpha                over-relaxation, in (0, 2)
     * @param adaptiveRho          adapt ρ (paper §5.2)
     * @param adaptiveRhoInterval  iterations between adaptations, ≥ 1
     * @param adaptiveRhoTolerance adapt only when the factor leaves [1/t, t], t ≥ 1
     * @param epsInfeasible        tolerance ε of both infeasibility certificates, &gt; 0
     * @param cgTolerance          κ: the CG solve of an iteration stops at residual κ·min(r_prim, r_dual), in (0, 1)
     * @param cgMaxiter            CG steps per solve, ≥ 1, or 0 for 10·n
     */
    public record Options(double rho, double sigma, double alpha, boolean adaptiveRho, int adaptiveRhoInterval,
                          double adaptiveRhoTolerance, double epsInfeasible, double cgTolerance, int cgMaxiter) {
        /** @throws IllegalArgumentException naming the option out of range */
        public Options {
            positive("rho", rho);
            positive("sigma", sigma);
            positive("epsInfeasible", epsInfeasible);
            if (!(alpha > 0 && alpha < 2)) {
                throw new IllegalArgumentException("OperatorBoxOSQP.Options: alpha must be in (0, 2), got " + alpha);
            }
            if (adaptiveRhoInterval < 1) {
                throw new IllegalArgumentException("OperatorBoxOSQP.Options: adaptiveRhoInterval must be >= 1, got "
                        + adaptiveRhoInterval);
            }
            if (!(adaptiveRhoTolerance >= 1) || Double.isInfinite(adaptiveRhoTolerance)) {
                throw new IllegalArgumentException("OperatorBoxOSQP.Options: adaptiveRhoTolerance must be finite and "
                        + ">= 1, got " + adaptiveRhoTolerance);
            }
            if (!(cgTolerance > 0 && cgTolerance < 1)) {
                throw new IllegalArgumentException("OperatorBoxOSQP.Options: cgTolerance must be in (0, 1), got "
                        + cgTolerance);
            }
            if (cgMaxiter < 0) {
                throw new IllegalArgumentException("OperatorBoxOSQP.Options: cgMaxiter must be >= 0 (0 for 10·n), got "
                        + cgMaxiter);
            }
        }

        private static void positive(String name, double v) {
            if (!(v > 0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException("OperatorBoxOSQP.Options: " + name + " must be finite and > 0, got "
                        + v);
            }
        }

        /** The defaults listed in the class documentation. */
        public static Options defaults() {
            return new Options(0.1, 1e-6, 1.6, true, 25, 5.0, 1e-5, 0.1, 0);
        }

        /** These options with ρ = v (validated as in the constructor). */
        public Options withRho(double v) {
            return new Options(v, sigma, alpha, adaptiveRho, adaptiveRhoInterval, adaptiveRhoTolerance, epsInfeasible,
                    cgTolerance, cgMaxiter);
        }

        /** These options with α = v (validated as in the constructor). */
        public Options withAlpha(double v) {
            return new Options(rho, sigma, v, adaptiveRho, adaptiveRhoInterval, adaptiveRhoTolerance, epsInfeasible,
                    cgTolerance, cgMaxiter);
        }

        /** These options with adaptive ρ on or off. */
        public Options withAdaptiveRho(boolean v) {
            return new Options(rho, sigma, alpha, v, adaptiveRhoInterval, adaptiveRhoTolerance, epsInfeasible,
                    cgTolerance, cgMaxiter);
        }

        /** These options with the CG tolerance factor κ = v (validated as in the constructor). */
        public Options withCgTolerance(double v) {
            return new Options(rho, sigma, alpha, adaptiveRho, adaptiveRhoInterval, adaptiveRhoTolerance, epsInfeasible,
                    v, cgMaxiter);
        }
    }

    /**
     * The ADMM state: the split variable z and the current ρ (a vector), the last ∞-norm primal
     * and dual residuals, the CG steps spent so far, and a verdict once an infeasibility
     * certificate is found.
     */
    public record State(int iterations, double error, Tensor z, Tensor rho, double primalResidual,
                        double dualResidual, int cgIterations, SolverStatus verdict) implements SolverState {
    }

    private final BiFunction<PQ, Tensor, Tensor> matvecQ;
    private final BiFunction<PA, Tensor, Tensor> matvecA;
    private final BiFunction<PA, Tensor, Tensor> rmatvecA;
    private final Options options;

    private OperatorBoxOSQP(SolverOptions common, Options options, BiFunction<PQ, Tensor, Tensor> matvecQ,
                            BiFunction<PA, Tensor, Tensor> matvecA, BiFunction<PA, Tensor, Tensor> rmatvecA) {
        super(common);
        this.options = options;
        this.matvecQ = matvecQ;
        this.matvecA = matvecA;
        this.rmatvecA = rmatvecA;
    }

    /**
     * The solver for the operators Q and A, Aᵀ by reverse-mode differentiation of {@code matvecA}.
     *
     * @param matvecQ (θ_Q, x) ↦ Q(θ_Q)x, x of shape [n], result [n]; Q symmetric positive semidefinite
     * @param matvecA (θ_A, x) ↦ A(θ_A)x, result [m]
     * @throws IllegalArgumentException if a function is null
     */
    public static <PQ, PA> OperatorBoxOSQP<PQ, PA> create(BiFunction<PQ, Tensor, Tensor> matvecQ,
                                                          BiFunction<PA, Tensor, Tensor> matvecA) {
        return create(matvecQ, matvecA, null);
    }

    /**
     * The solver for the operators Q and A with the transpose product given.
     *
     * @param rmatvecA (θ_A, y) ↦ A(θ_A)ᵀy, y of shape [m], result [n]; null to derive it by reverse mode
     * @throws IllegalArgumentException if matvecQ or matvecA is null
     */
    public static <PQ, PA> OperatorBoxOSQP<PQ, PA> create(BiFunction<PQ, Tensor, Tensor> matvecQ,
                                                          BiFunction<PA, Tensor, Tensor> matvecA,
                                                          BiFunction<PA, Tensor, Tensor> rmatvecA) {
        if (matvecQ == null) {
            throw new IllegalArgumentException("OperatorBoxOSQP.create: matvecQ is null");
        }
        if (matvecA == null) {
            throw new IllegalArgumentException("OperatorBoxOSQP.create: matvecA is null");
        }
        SolverOptions common = SolverOptions.defaults();
        // F's Jacobian is nonsymmetric indefinite and known by products only: GMRES, with a restart long enough
        // not to stall on it (restart 20 does, BoxOSQP's class comment).
        common = common.withImplicitOptions(common.implicitOptions().withSolver(LinearSolver.gmres().withRestart(100)));
        return new OperatorBoxOSQP<>(common, Options.defaults(), matvecQ, matvecA, rmatvecA);
    }

    @Override
    protected OperatorBoxOSQP<PQ, PA> withOptions(SolverOptions common) {
        return new OperatorBoxOSQP<>(common, options, matvecQ, matvecA, rmatvecA);
    }

    /** The solver's own options. */
    public Options solverOptions() {
        return options;
    }

    /**
     * This solver with other options.
     *
     * @throws IllegalArgumentException if options is null
     */
    public OperatorBoxOSQP<PQ, PA> with(Options value) {
        if (value == null) {
            throw new IllegalArgumentException("OperatorBoxOSQP.with: options is null");
        }
        return new OperatorBoxOSQP<>(options(), value, matvecQ, matvecA, rmatvecA);
    }

    /** Runs from x = 0, y = 0. */
    public SolverResult<BoxOSQP.Point, State> run(Problem<PQ, PA> problem) {
        int[] d = dims(problem);
        return run(new BoxOSQP.Point(Tensor.zeros(d[0]), Tensor.zeros(d[1])), problem);
    }

    /** Validates the vectors; returns {n, m}. */
    private static int[] dims(Problem<?, ?> p) {
        String where = "OperatorBoxOSQP";
        if (p == null) {
            throw new IllegalArgumentException(where + ": problem is null");
        }
        if (p.c() == null || p.c().rank() != 1) {
            throw new IllegalArgumentException(where + ": c must be a vector, got "
                    + (p.c() == null ? "null" : Arrays.toString(p.c().shape())));
        }
        int n = p.c().dim(0);
        QpChecks.requireFinite(where, "c", p.c());
        if (p.lower() == null || p.lower().rank() != 1) {
            throw new IllegalArgumentException(where + ": lower must be a vector, got "
                    + (p.lower() == null ? "null" : Arrays.toString(p.lower().shape())));
        }
        int m = p.lower().dim(0);
        QpChecks.requireVector(where, "upper", p.upper(), m);
        BoxAdmm.requireIntervals(where, p.lower().concrete().toArray(), p.upper().concrete().toArray());
        return new int[]{n, m};
    }

    /** The concrete products of one run (parameters at their concrete values), each checked. */
    private final class Ops extends BoxAdmm {
        private final PQ pq;
        private final PA pa;
        private final java.util.function.Function<Tensor, Tensor> transpose;

        Ops(Problem<PQ, PA> p) {
            this(p, dims(p));
        }

        private Ops(Problem<PQ, PA> p, int[] d) {
            super(d[0], d[1], p.c().concrete().toArray(), p.lower().concrete().toArray(),
                    p.upper().concrete().toArray());
            pq = Autodiff.stopGradient(p.paramsQ());
            pa = Autodiff.stopGradient(p.paramsA());
            if (rmatvecA != null) {
                transpose = y -> rmatvecA.apply(pa, y);
            } else {
                // A is linear: the pullback of x ↦ Ax at 0 is y ↦ Aᵀy, recorded once and applied at every product.
                Tensor ax0 = checked("matvecA", matvecA.apply(pa, Tensor.zeros(n)), m);
                var pullback = Autodiff.vjp((Tensor v) -> matvecA.apply(pa, v), Tensor.zeros(n)).pullback();
                transpose = pullback::apply;
                if (QpChecks.maxAbs(ax0.toArray()) != 0) {
                    throw new IllegalArgumentException("OperatorBoxOSQP: matvecA is not linear: A·0 = "
                            + ax0.concrete() + " is not zero");
                }
            }
        }

        @Override
        double[] qTimes(double[] x) {
            return checked("matvecQ", matvecQ.apply(pq, Tensor.of(x)), n).toArray();
        }

        @Override
        double[] times(double[] x) {
            return checked("matvecA", matvecA.apply(pa, Tensor.of(x)), m).toArray();
        }

        @Override
        double[] transposeTimes(double[] y) {
            return checked(rmatvecA != null ? "rmatvecA" : "the transpose of matvecA (by reverse mode)",
                    transpose.apply(Tensor.of(y)), n).toArray();
        }
    }

    /** The product's value, refused unless it is a finite vector of the given length. */
    private static Tensor checked(String name, Tensor out, int length) {
        return checked("OperatorBoxOSQP", name, out, length);
    }

    /** The product's value, refused ({@code where}: {@code name} …) unless it is a finite vector of the given length. */
    static Tensor checked(String where, String name, Tensor out, int length) {
        if (out == null) {
            throw new IllegalArgumentException(where + ": " + name + " returned null");
        }
        if (out.rank() != 1 || out.dim(0) != length) {
            throw new IllegalArgumentException(where + ": " + name + " must return a vector of shape [" + length
                    + "], got shape " + Arrays.toString(out.shape()));
        }
        if (!out.concrete().isFinite()) {
            throw new IllegalArgumentException(where + ": " + name + " returned a non-finite value (NaN or ±∞)");
        }
        return out;
    }

    /** Deterministic probe vectors, nowhere zero and not aligned with a coordinate. */
    private static double[] probe(int size, double phase) {
        double[] v = new double[size];
        for (int i = 0; i < size; i++) {
            v[i] = Math.sin(1.0 + phase + 0.7 * i) + 0.1 * Math.cos(phase * (i + 1));
        }
        return v;
    }

    @Override
    public State init(BoxOSQP.Point init, Problem<PQ, PA> p) {
        // Built afresh at every run: the same problem object may hold a mutable tree (a list) changed since.
        Ops ops = new Ops(p);
        prepared.set(new Prepared(p, ops));
        if (init == null || init.x() == null || init.y() == null) {
            throw new IllegalArgumentException("OperatorBoxOSQP: the initial point needs x and y (new Point(x, y))");
        }
        QpChecks.requireVector("OperatorBoxOSQP", "the initial x", init.x(), ops.n);
        QpChecks.requireVector("OperatorBoxOSQP", "the initial y", init.y(), ops.m);
        QpChecks.requireFinite("OperatorBoxOSQP", "the initial x", init.x());
        QpChecks.requireFinite("OperatorBoxOSQP", "the initial y", init.y());
        checkOperators(ops);
        double[] z = ops.project(ops.times(init.x().concrete().toArray()));
        double[] rho = ops.initialRho(options.rho());
        return new State(0, Double.POSITIVE_INFINITY, Tensor.of(z), Tensor.of(rho), Double.NaN, Double.NaN, 0, null);
    }

    /** Q symmetric and a given Aᵀ the adjoint of A, on deterministic probes (shape and finiteness on the way). */
    private void checkOperators(Ops ops) {
        double[] u = probe(ops.n, 0.3);
        double[] v = probe(ops.n, 1.9);
        double[] qu = ops.qTimes(u);
        double[] qv = ops.qTimes(v);
        double uqv = dot(u, qv);
        double vqu = dot(v, qu);
        double scale = Math.sqrt(dot(qu, qu) * dot(v, v)) + Math.sqrt(dot(qv, qv) * dot(u, u));
        if (Math.abs(uqv - vqu) > 1e-10 * Math.max(scale, Double.MIN_NORMAL)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "OperatorBoxOSQP: matvecQ is not symmetric: "
                    + "<u, Qv> = %.17g but <Qu, v> = %.17g on a probe; Q must be symmetric positive semidefinite", uqv,
                    vqu));
        }
        double[] w = probe(ops.m, 0.7);
        double[] av = ops.times(v);
        double[] atw = ops.transposeTimes(w);
        double wav = dot(w, av);
        double atwv = dot(atw, v);
        double s = Math.sqrt(dot(av, av) * dot(w, w)) + Math.sqrt(dot(atw, atw) * dot(v, v));
        if (Math.abs(wav - atwv) > 1e-10 * Math.max(s, Double.MIN_NORMAL)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "OperatorBoxOSQP: rmatvecA is not the "
                    + "transpose of matvecA: <w, Av> = %.17g but <Aᵀw, v> = %.17g on a probe", wav, atwv));
        }
    }

    /** The products of one problem (compared by identity: the loop passes the same object at every iteration). */
    private record Prepared(Object problem, Object ops) {
    }

    /**
     * The products of the problem being iterated on, made once per run (the transpose's pullback is recorded
     * once) and kept out of the state, which holds values only. One immutable record: threads sharing the
     * solver at worst rebuild it.
     */
    private final java.util.concurrent.atomic.AtomicReference<Prepared> prepared =
            new java.util.concurrent.atomic.AtomicReference<>();

    @SuppressWarnings("unchecked")
    private Ops ops(Problem<PQ, PA> p) {
        Prepared k = prepared.get();
        if (k != null && k.problem() == p) {
            return (Ops) k.ops();
        }
        Ops ops = new Ops(p);
        prepared.set(new Prepared(p, ops));
        return ops;
    }

    @Override
    public OptStep<BoxOSQP.Point, State> update(BoxOSQP.Point params, State s, Problem<PQ, PA> p) {
        if (!Pytree.isConcrete(params) || !Pytree.isConcrete(p) || !Pytree.isConcrete(s.z())) {
            throw new IllegalStateException("OperatorBoxOSQP: unrolled differentiation (implicitDiff(false) under a "
                    + "transform) is not available for operators (the CG solves it would differentiate cannot be made "
                    + "accurate enough, see the class documentation). Use implicit differentiation (implicitDiff(true), "
                    + "the default), which differentiates the optimality condition at the solution with the same "
                    + "products.");
        }
        Ops d = ops(p);
        double sigma = options.sigma();
        double[] x = params.x().toArray();
        double[] y = params.y().toArray();
        double[] z = s.z().toArray();
        double[] rho = s.rho().toArray();
        double[] b = d.systemRhs(x, y, z, rho, sigma);
        KrylovResult cg = ConjugateGradient.solve(v -> d.systemTimes(v, rho, sigma), b, cgOptions(s, b, x, d.n));
        if (cg.status() == KrylovResult.Status.BREAKDOWN || cg.status() == KrylovResult.Status.NON_FINITE) {
            throw new IllegalArgumentException("OperatorBoxOSQP: conjugate gradients on Q + σI + Aᵀdiag(ρ)A failed ("
                    + cg.status() + ": " + cg.message() + "): matvecQ must be symmetric positive semidefinite");
        }
        BoxAdmm.Step st = d.step(x, y, z, rho, cg.solution(), options.alpha(), options.epsInfeasible());
        int k = s.iterations() + 1;
        if (options.adaptiveRho()) {
            BoxAdmm.adaptRho(rho, st, k, options.adaptiveRhoInterval(), options.adaptiveRhoTolerance());
        }
        double error = d.error(st.x(), st.y(), st.ax(), st.qx(), st.aty());
        return new OptStep<>(new BoxOSQP.Point(Tensor.of(st.x()), Tensor.of(st.y())), new State(k, error,
                Tensor.of(st.z()), Tensor.of(rho), st.primal(), st.dual(), s.cgIterations() + cg.iterations(),
                st.verdict()));
    }

    /** The CG stopping rule tied to the ADMM residuals (class documentation), warm-started from x. */
    private KrylovOptions cgOptions(State s, double[] b, double[] x, int n) {
        double bnorm = Math.sqrt(dot(b, b));
        double floor = 1e-15 * Math.max(1.0, bnorm);
        double atol;
        double rtol;
        if (Double.isNaN(s.primalResidual())) {
            atol = floor;
            rtol = 1e-3;
        } else {
            atol = Math.max(options.cgTolerance() * Math.min(s.primalResidual(), s.dualResidual()), floor);
            rtol = 0;
        }
        int maxiter = options.cgMaxiter() > 0 ? options.cgMaxiter() : 10 * n;
        return KrylovOptions.defaults().withRtol(rtol).withAtol(atol).withMaxiter(maxiter).withInitialGuess(x);
    }

    /** F(x, y) = (Qx + c + Aᵀy, Ax − Π_[l,u](Ax + y)), with the operators' products (differentiable in all data). */
    @Override
    public BoxOSQP.Point optimality(BoxOSQP.Point z, Problem<PQ, PA> p) {
        Tensor ax = matvecA.apply(p.paramsA(), z.x());
        Tensor aty = rmatvecA != null ? rmatvecA.apply(p.paramsA(), z.y())
                : Autodiff.vjp((Tensor v) -> matvecA.apply(p.paramsA(), v), Tensor.zerosLike(z.x().concrete())).pullback()
                .apply(z.y());
        Tensor stationarity = matvecQ.apply(p.paramsQ(), z.x()).add(p.c()).add(aty);
        return new BoxOSQP.Point(stationarity, ax.sub(BoxCDQP.clip(ax.add(z.y()), p.lower(), p.upper())));
    }
}
