package dev.argdiff.solvers;

import dev.argdiff.implicit.Kkt;
import dev.argdiff.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;

/**
 * {@link OSQP} with Q, A and G given as operators: the quadratic program
 * <pre>
 *   min_x ½xᵀQ(θ_Q)x + cᵀx   subject to   A(θ_A)x = b,   G(θ_G)x ≤ h,
 * </pre>
 * with only the products {@code matvecQ(paramsQ, x)}, {@code matvecA(paramsA, x)} and
 * {@code matvecG(paramsG, x)} known (JAXopt's {@code OSQP(matvec_Q=…, matvec_A=…, matvec_G=…)}),
 * solved by {@link OperatorBoxOSQP} on the stacked constraints [b; −∞] ≤ [A; G]x ≤ [b; h]: the
 * ADMM of Stellato et al. 2020 with its x-update by warm-started conjugate gradients, no matrix
 * ever formed and no polishing (see {@link OperatorBoxOSQP} for the algorithm, the options, the
 * checks of the operators and why). The transposes are {@code rmatvecA}, {@code rmatvecG} when both
 * are given (or the one of the only constraint kind present), else reverse-mode differentiation of
 * the stacked product.
 *
 * <p>The solution is the KKT point {@link Kkt.Point} (x, ν, λ). The optimality condition is the
 * projection form of {@link BoxOSQP}, split by constraint kind:
 * <pre>
 *   F(x, ν, λ) = (Qx + c + Aᵀν + Gᵀλ,  Ax − b,  Gx − min(Gx + λ, h)),
 * </pre>
 * (not the product form λ∘(Gx − h) of the dense {@link OSQP}, whose structured derivative needs
 * the matrices); implicit differentiation (the default) differentiates it with respect to every
 * tensor of the {@link Problem} through the generic rule, with restarted GMRES (restart 100) on
 * the Jacobian products by default. A weakly active inequality (Gᵢx = hᵢ, λᵢ = 0) is
 * differentiated as inactive, the one-sided derivative {@link BoxOSQP} documents, where the dense
 * {@link OSQP} refuses. Unrolling under a transform throws {@link IllegalStateException}, as in
 * {@link OperatorBoxOSQP}. Error: that of the box form, ‖F‖₂ / max(1, ‖(x, ν, λ)‖₂).
 *
 * @param <PQ> the tree of Q's parameters
 * @param <PA> the tree of A's parameters
 * @param <PG> the tree of G's parameters
 */
public final class OperatorOSQP<PQ, PA, PG>
        extends IterativeSolver<Kkt.Point<Tensor>, OperatorOSQP.Problem<PQ, PA, PG>, OperatorBoxOSQP.State,
        OperatorOSQP<PQ, PA, PG>> {

    /**
     * The data (a tree: every tensor in it is differentiable).
     *
     * @param paramsQ the parameters of Q (any tree; may be an empty list)
     * @param c       the linear term, shape [n]
     * @param paramsA the parameters of A (ignored when there is no matvecA)
     * @param b       the equality right-hand side [p], null when there is no matvecA
     * @param paramsG the parameters of G (ignored when there is no matvecG)
     * @param h       the inequality right-hand side [m], null when there is no matvecG; +∞ allowed
     */
    public record Problem<PQ, PA, PG>(PQ paramsQ, Tensor c, PA paramsA, Tensor b, PG paramsG, Tensor h) {
    }

    /** The parameters of the stacked operator [A; G] with its row counts (static). */
    record Stacked<PA, PG>(PA a, PG g, int n, int p, int m) {
    }

    private final BiFunction<PA, Tensor, Tensor> matvecA;
    private final BiFunction<PG, Tensor, Tensor> matvecG;
    private final OperatorBoxOSQP<PQ, Stacked<PA, PG>> box;

    private OperatorOSQP(SolverOptions common, OperatorBoxOSQP<PQ, Stacked<PA, PG>> box,
                         BiFunction<PA, Tensor, Tensor> matvecA, BiFunction<PG, Tensor, Tensor> matvecG) {
        super(common);
        this.box = box.withOptions(common);
        this.matvecA = matvecA;
        this.matvecG = matvecG;
    }

    /**
     * The solver for the operators, transposes by reverse mode.
     *
     * @param matvecQ (θ_Q, x) ↦ Q(θ_Q)x, Q symmetric positive semidefinite
     * @param matvecA (θ_A, x) ↦ A(θ_A)x of shape [p], or null for no equality constraints
     * @param matvecG (θ_G, x) ↦ G(θ_G)x of shape [m], or null for no inequality constraints
     * @throws IllegalArgumentException if matvecQ is null or both matvecA and matvecG are
     */
    public static <PQ, PA, PG> OperatorOSQP<PQ, PA, PG> create(BiFunction<PQ, Tensor, Tensor> matvecQ,
                                                               BiFunction<PA, Tensor, Tensor> matvecA,
                                                               BiFunction<PG, Tensor, Tensor> matvecG) {
        return create(matvecQ, matvecA, null, matvecG, null);
    }

    /**
     * The solver for the operators with their transposes: {@code rmatvecA} (θ_A, ν) ↦ Aᵀν and
     * {@code rmatvecG} (θ_G, λ) ↦ Gᵀλ, each null to derive the transposes by reverse mode.
     *
     * @throws IllegalArgumentException if matvecQ is null, both matvecA and matvecG are, or a
     *                                  transpose is given without its product
     */
    public static <PQ, PA, PG> OperatorOSQP<PQ, PA, PG> create(BiFunction<PQ, Tensor, Tensor> matvecQ,
                                                               BiFunction<PA, Tensor, Tensor> matvecA,
                                                               BiFunction<PA, Tensor, Tensor> rmatvecA,
                                                               BiFunction<PG, Tensor, Tensor> matvecG,
                                                               BiFunction<PG, Tensor, Tensor> rmatvecG) {
        if (matvecQ == null) {
            throw new IllegalArgumentException("OperatorOSQP.create: matvecQ is null");
        }
        if (matvecA == null && matvecG == null) {
            throw new IllegalArgumentException("OperatorOSQP.create: matvecA and matvecG are both null (no constraints); "
                    + "use EqualityConstrainedQP or a solver without constraints");
        }
        if ((rmatvecA != null && matvecA == null) || (rmatvecG != null && matvecG == null)) {
            throw new IllegalArgumentException("OperatorOSQP.create: a transpose (rmatvecA or rmatvecG) is given "
                    + "without its product (matvecA or matvecG)");
        }
        BiFunction<Stacked<PA, PG>, Tensor, Tensor> stacked = (s, x) -> {
            List<Tensor> parts = new ArrayList<>(2);
            if (s.p() > 0) {
                parts.add(OperatorBoxOSQP.checked("OperatorOSQP", "matvecA", matvecA.apply(s.a(), x), s.p()));
            }
            if (s.m() > 0) {
                parts.add(OperatorBoxOSQP.checked("OperatorOSQP", "matvecG", matvecG.apply(s.g(), x), s.m()));
            }
            return parts.size() == 1 ? parts.get(0) : Tensor.concatenate(parts, 0);
        };
        boolean transposes = (matvecA == null || rmatvecA != null) && (matvecG == null || rmatvecG != null);
        BiFunction<Stacked<PA, PG>, Tensor, Tensor> stackedT = !transposes ? null : (s, y) -> {
            Tensor out = null;
            if (s.p() > 0) {
                out = OperatorBoxOSQP.checked("OperatorOSQP", "rmatvecA", rmatvecA.apply(s.a(), y.slice(0, 0, s.p())),
                        s.n());
            }
            if (s.m() > 0) {
                Tensor g = OperatorBoxOSQP.checked("OperatorOSQP", "rmatvecG", rmatvecG.apply(s.g(),
                        y.slice(0, s.p(), s.p() + s.m())), s.n());
                out = out == null ? g : out.add(g);
            }
            return out;
        };
        OperatorBoxOSQP<PQ, Stacked<PA, PG>> box = OperatorBoxOSQP.create(matvecQ, stacked, stackedT);
        return new OperatorOSQP<>(box.options(), box, matvecA, matvecG);
    }

    @Override
    protected OperatorOSQP<PQ, PA, PG> withOptions(SolverOptions common) {
        return new OperatorOSQP<>(common, box, matvecA, matvecG);
    }

    /** The options of the underlying ADMM. */
    public OperatorBoxOSQP.Options solverOptions() {
        return box.solverOptions();
    }

    /**
     * This solver with other ADMM options.
     *
     * @throws IllegalArgumentException if options is null
     */
    public OperatorOSQP<PQ, PA, PG> with(OperatorBoxOSQP.Options value) {
        return new OperatorOSQP<>(options(), box.with(value), matvecA, matvecG);
    }

    /** Runs from x = 0 and zero multipliers. */
    public SolverResult<Kkt.Point<Tensor>, OperatorBoxOSQP.State> run(Problem<PQ, PA, PG> problem) {
        int[] d = dims(problem);
        return run(Kkt.zeroDuals(Tensor.zeros(d[0]), d[1], d[2]), problem);
    }

    /** {n, p, m}; the rest is validated by the box form. */
    private int[] dims(Problem<PQ, PA, PG> p) {
        String where = "OperatorOSQP";
        if (p == null) {
            throw new IllegalArgumentException(where + ": problem is null");
        }
        if (p.c() == null || p.c().rank() != 1) {
            throw new IllegalArgumentException(where + ": c must be a vector");
        }
        if ((matvecA == null) != (p.b() == null)) {
            throw new IllegalArgumentException(where + ": b must be given exactly when matvecA is (matvecA "
                    + (matvecA == null ? "absent" : "given") + ", b " + (p.b() == null ? "null" : "given") + ")");
        }
        if ((matvecG == null) != (p.h() == null)) {
            throw new IllegalArgumentException(where + ": h must be given exactly when matvecG is (matvecG "
                    + (matvecG == null ? "absent" : "given") + ", h " + (p.h() == null ? "null" : "given") + ")");
        }
        int rows = 0;
        if (p.b() != null) {
            if (p.b().rank() != 1) {
                throw new IllegalArgumentException(where + ": b must be a vector");
            }
            rows = p.b().dim(0);
            QpChecks.requireFinite(where, "b", p.b());
        }
        int m = 0;
        if (p.h() != null) {
            if (p.h().rank() != 1) {
                throw new IllegalArgumentException(where + ": h must be a vector");
            }
            m = p.h().dim(0);
            for (double v : p.h().concrete().toArray()) {
                if (Double.isNaN(v) || v == Double.NEGATIVE_INFINITY) {
                    throw new IllegalArgumentException(where + ": h holds " + v + " (the constraint cannot be met)");
                }
            }
        }
        return new int[]{p.c().dim(0), rows, m};
    }

    /** The box form of one problem, made once per problem object (the loop passes the same one every iteration). */
    private record Boxed(Object problem, Object box) {
    }

    private final AtomicReference<Boxed> boxed = new AtomicReference<>();

    @SuppressWarnings("unchecked")
    private OperatorBoxOSQP.Problem<PQ, Stacked<PA, PG>> boxProblem(Problem<PQ, PA, PG> p) {
        Boxed k = boxed.get();
        if (k != null && k.problem() == p) {
            return (OperatorBoxOSQP.Problem<PQ, Stacked<PA, PG>>) k.box();
        }
        OperatorBoxOSQP.Problem<PQ, Stacked<PA, PG>> out = stack(p);
        boxed.set(new Boxed(p, out));
        return out;
    }

    /** [b; −∞] ≤ [A; G]x ≤ [b; h] (differentiable in b and h). */
    private OperatorBoxOSQP.Problem<PQ, Stacked<PA, PG>> stack(Problem<PQ, PA, PG> p) {
        int[] d = dims(p);
        List<Tensor> lower = new ArrayList<>();
        List<Tensor> upper = new ArrayList<>();
        if (d[1] > 0) {
            lower.add(p.b());
            upper.add(p.b());
        }
        if (d[2] > 0) {
            lower.add(Tensor.full(Double.NEGATIVE_INFINITY, d[2]));
            upper.add(p.h());
        }
        if (lower.isEmpty()) {
            throw new IllegalArgumentException("OperatorOSQP: the problem has no constraint rows (b and h are empty)");
        }
        return new OperatorBoxOSQP.Problem<>(p.paramsQ(), p.c(), new Stacked<>(p.paramsA(), p.paramsG(), d[0], d[1], d[2]),
                Tensor.concatenate(lower, 0), Tensor.concatenate(upper, 0));
    }

    @Override
    public OperatorBoxOSQP.State init(Kkt.Point<Tensor> init, Problem<PQ, PA, PG> p) {
        int[] d = dims(p);
        if (init == null || init.primal() == null) {
            throw new IllegalArgumentException("OperatorOSQP: the initial point has no primal variables");
        }
        if ((d[1] == 0) != (init.eqDual() == null) || (d[2] == 0) != (init.ineqDual() == null)) {
            throw new IllegalArgumentException("OperatorOSQP: the initial point must have duals for exactly the "
                    + "constraints the problem has: Kkt.zeroDuals(x, " + d[1] + ", " + d[2] + ")");
        }
        // Stacked afresh at every run (the same problem object may hold a mutable tree changed since).
        OperatorBoxOSQP.Problem<PQ, Stacked<PA, PG>> stacked = stack(p);
        boxed.set(new Boxed(p, stacked));
        return box.init(OSQP.boxPoint(init), stacked);
    }

    @Override
    public OptStep<Kkt.Point<Tensor>, OperatorBoxOSQP.State> update(Kkt.Point<Tensor> params, OperatorBoxOSQP.State s,
                                                                   Problem<PQ, PA, PG> p) {
        OptStep<BoxOSQP.Point, OperatorBoxOSQP.State> step = box.update(OSQP.boxPoint(params), s, boxProblem(p));
        return new OptStep<>(OSQP.kktPoint(step.params(), p.b() == null ? 0 : p.b().dim(0)), step.state());
    }

    /** F(x, ν, λ) = (Qx + c + Aᵀν + Gᵀλ, Ax − b, Gx − min(Gx + λ, h)): the box form's condition, split. */
    @Override
    public Kkt.Point<Tensor> optimality(Kkt.Point<Tensor> z, Problem<PQ, PA, PG> p) {
        BoxOSQP.Point f = box.optimality(OSQP.boxPoint(z), stack(p));
        return OSQP.kktPoint(f, p.b() == null ? 0 : p.b().dim(0));
    }
}
