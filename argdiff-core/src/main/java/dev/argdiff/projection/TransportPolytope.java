package dev.argdiff.projection;

import dev.argdiff.implicit.ImplicitDiff;
import dev.argdiff.implicit.ImplicitDiffException;
import dev.argdiff.implicit.ImplicitOptions;
import dev.argdiff.linalg.LinearSolver;
import dev.argdiff.tensor.ShapeException;
import dev.argdiff.tensor.Shapes;
import dev.argdiff.tensor.Tensor;

import java.util.function.BiFunction;

/**
 * Projections onto the transportation polytope U(a, b) = {P ∈ ℝ^{m×n} : P ≥ 0, P𝟙 = a, Pᵀ𝟙 = b}
 * and onto the Birkhoff polytope (a = 𝟙, b = 𝟙: the doubly stochastic matrices), Euclidean and
 * Kullback–Leibler (JAXopt's {@code projection_transport}, {@code projection_birkhoff},
 * {@code kl_projection_transport}, {@code kl_projection_birkhoff}):
 * <pre>
 *   transport(S, a, b)   = argmin_{P ∈ U(a, b)} ½‖P − S‖²
 *   klTransport(S, a, b) = argmin_{P ∈ U(a, b)} KL(P, exp(S)) = argmin ⟨P, log P − S⟩
 * </pre>
 * Rows of P carry the marginal a (length m), columns the marginal b (length n).
 *
 * <p>How: for a row potential α, each column of the plan is p_j = b_j·Δ-projection of
 * S_{:,j} + α (Euclidean) or b_j·softmax(S_{:,j} + α) (KL), and α solves the row condition
 * F(α) = P(α)𝟙 − a + mean(α)·𝟙 = 0 (the semi-dual of Blondel, Seguy, Rolet, "Smooth and sparse
 * optimal transport", AISTATS 2018, eq. 10; the mean term fixes α's free constant). α is found on
 * concrete values by Newton's method on the semi-dual — started, for the KL projections, from
 * Sinkhorn's scaling (Cuturi, "Sinkhorn distances", NeurIPS 2013) in the log domain — to
 * ‖F‖∞ ≤ 10⁻¹²·max(1, max aᵢ). P is then the explicit differentiable expression above in (S, α, b),
 * with α differentiated implicitly ({@link ImplicitDiff#customRoot}, the symmetric Jacobian
 * ∂F/∂α = Σ_j ∂p_j/∂α + 𝟙𝟙ᵀ/m, by CG), so every transform and every order works.
 *
 * <p>Derivatives. The Euclidean projection is piecewise affine: its derivative is the exact one
 * where the support of P is locally constant (an entry exactly at 0 on the boundary of the support
 * takes the one-sided derivative of the Euclidean simplex projection, see
 * {@link Projection#simplex(Tensor, Tensor)}). Where the support splits P into independent blocks
 * (possible only when a partial sum of a equals a partial sum of b, as always on the Birkhoff
 * polytope; e.g. at a vertex) α is not unique and ∂F/∂α is singular. The derivative with respect
 * to S still exists there (its implicit systems are consistent, and CG solves them), and is the
 * one returned. With respect to a and b it does not (a change that moves mass between blocks
 * changes the support: only one-sided derivatives exist), so a projection whose marginals are
 * being differentiated (traced) throws {@link ImplicitDiffException} at such a point rather than
 * pick a side. The KL projection is smooth (P &gt; 0 everywhere).
 * Derivatives with respect to a and b are those of P(a − ((Σa − Σb)/m)·𝟙, b): on the feasible set
 * Σa = Σb this is P itself; a direction that changes Σa − Σb moves the row marginals by the mean
 * of the change.
 *
 * <p>Cost: each Newton iteration sorts the n columns (Euclidean) or exponentiates S (KL) for the
 * gradient and each line-search trial, and factors an m×m Hessian, O(m²n + m³); a few to tens of
 * iterations usually, hundreds for a very sparse Euclidean plan (marginals much smaller than the
 * spread of S). Sinkhorn costs O(mn) per sweep, at most 1000 sweeps.
 *
 * <p>Marginals must be strictly positive: a zero marginal forces a zero row or column and leaves
 * its potential undetermined (the implicit Jacobian is then singular).
 */
public final class TransportPolytope {

    private TransportPolytope() {
    }

    /** Relative tolerance of Σa = Σb (the polytope is empty otherwise). */
    static final double SUM_TOLERANCE = 1e-9;

    /**
     * The Euclidean projection of S onto U(a, b).
     *
     * @param simMatrix S, shape (m, n), finite
     * @param a         row marginals, shape (m), finite and &gt; 0
     * @param b         column marginals, shape (n), finite and &gt; 0, with Σb = Σa (relative
     *                  tolerance 10⁻⁹)
     * @throws IllegalArgumentException naming the argument: null, NaN or infinity, a marginal ≤ 0,
     *                                  or unequal sums (the polytope is empty); or if the dual solve
     *                                  does not converge
     * @throws ShapeException           if S is not a non-empty matrix or a marginal's length does not match it
     */
    public static Tensor transport(Tensor simMatrix, Tensor a, Tensor b) {
        return project("TransportPolytope.transport", simMatrix, a, b, false);
    }

    /**
     * The Euclidean projection of a square S onto the Birkhoff polytope (doubly stochastic
     * matrices): {@link #transport} with a = b = 𝟙.
     *
     * @throws ShapeException if S is not a non-empty square matrix
     */
    public static Tensor birkhoff(Tensor simMatrix) {
        return project("TransportPolytope.birkhoff", simMatrix, null, null, false);
    }

    /**
     * The KL projection of exp(S) onto U(a, b), the entropic optimal transport plan for the cost −S
     * (argmin ⟨P, −S⟩ + ⟨P, log P⟩). Arguments and exceptions as {@link #transport}.
     */
    public static Tensor klTransport(Tensor simMatrix, Tensor a, Tensor b) {
        return project("TransportPolytope.klTransport", simMatrix, a, b, true);
    }

    /** The KL projection of exp(S) onto the Birkhoff polytope: {@link #klTransport} with a = b = 𝟙. */
    public static Tensor klBirkhoff(Tensor simMatrix) {
        return project("TransportPolytope.klBirkhoff", simMatrix, null, null, true);
    }

    /** The differentiable arguments of the row condition. */
    private record Data(Tensor sim, Tensor a, Tensor b) {
    }

    private static Tensor project(String op, Tensor sim, Tensor a, Tensor b, boolean kl) {
        if (sim == null) {
            throw new IllegalArgumentException(op + ": simMatrix is null");
        }
        if (sim.rank() != 2 || sim.dim(0) == 0 || sim.dim(1) == 0) {
            throw new ShapeException(op + ": simMatrix must be a non-empty matrix (m, n), got shape "
                    + Shapes.str(sim.shape()));
        }
        int m = sim.dim(0);
        int n = sim.dim(1);
        if (a == null && b == null) {
            if (m != n) {
                throw new ShapeException(op + ": simMatrix must be square for the Birkhoff polytope, got shape "
                        + Shapes.str(sim.shape()));
            }
            a = Tensor.ones(m);
            b = Tensor.ones(n);
        }
        double[][] s = sim.concrete().toArray2d();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                if (!Double.isFinite(s[i][j])) {
                    throw new IllegalArgumentException(op + ": simMatrix contains " + s[i][j] + " at entry (" + i
                            + ", " + j + ")");
                }
            }
        }
        double[] av = marginal(op, "a", a, m, "rows");
        double[] bv = marginal(op, "b", b, n, "columns");
        double sa = 0;
        double sb = 0;
        double amax = 0;
        for (double v : av) {
            sa += v;
            amax = Math.max(amax, v);
        }
        for (double v : bv) {
            sb += v;
        }
        if (Math.abs(sa - sb) > SUM_TOLERANCE * Math.max(sa, sb)) {
            throw new IllegalArgumentException(op + ": the marginals must have equal sums (the polytope is empty "
                    + "otherwise), got sum(a) = " + sa + " and sum(b) = " + sb);
        }
        Data data = new Data(sim, a, b);
        double[] solution = solve(op, s, av, bv, kl, Math.max(1, amax));
        if (!kl && (a.isTraced() || b.isTraced())) {
            int blocks = TransportDual.supportComponents(s, bv, TransportDual.EUCLIDEAN, solution);
            if (blocks > 1) {
                throw new ImplicitDiffException(op + ": the plan's support splits into " + blocks + " independent "
                        + "blocks (a partial sum of a equals a partial sum of b), where the projection is not "
                        + "differentiable with respect to the marginals a and b; differentiate with respect to "
                        + "simMatrix only (pass constant marginals)", null, null);
            }
        }
        BiFunction<Tensor, Data, Tensor> solver = (init, d) -> Tensor.of(solution);
        BiFunction<Tensor, Data, Tensor> optimality = (alpha, d) ->
                plan(d.sim(), alpha, d.b(), kl).sum(1).sub(d.a()).add(alpha.mean());
        // CG, not a factorization: ∂F/∂α is singular where the support splits into blocks, and CG
        // still solves the consistent systems of the derivative in S there.
        ImplicitOptions options = ImplicitOptions.defaults().withSymmetric(true).withSolver(LinearSolver.cg())
                .withOptimalityTolerance(1e-9);
        Tensor alpha = ImplicitDiff.customRoot(optimality, solver, options).apply(Tensor.zeros(m), data);
        return plan(sim, alpha, b, kl);
    }

    /** Column j: b_j·(simplex projection or softmax) of S_{:,j} + α. */
    private static Tensor plan(Tensor sim, Tensor alpha, Tensor b, boolean kl) {
        Tensor x = sim.add(alpha.reshape(sim.dim(0), 1));
        Tensor scale = b.reshape(1, sim.dim(1));
        return kl ? x.softmax(0).mul(scale) : Projection.simplex(x, scale, 0);
    }

    /** α to ‖F‖∞ ≤ 10⁻¹²·scale; Sinkhorn (KL) only brings it to 10⁻⁸·scale, where Newton converges fast. */
    private static double[] solve(String op, double[][] s, double[] a, double[] b, boolean kl, double scale) {
        int m = a.length;
        double tol = 1e-12 * scale;
        double[] start = new double[m];
        if (kl) {
            start = TransportDual.sinkhorn(s, a, b, 1000, 1e-8 * scale);
            double mean = 0;
            for (double v : start) {
                mean += v / m;
            }
            for (int i = 0; i < m; i++) {
                start[i] -= mean;
            }
        }
        double[] alpha = TransportDual.newton(s, a, b, kl ? TransportDual.ENTROPIC : TransportDual.EUCLIDEAN,
                start, tol);
        if (alpha == null) {
            throw new IllegalArgumentException(op + ": the dual solve did not reach a row-marginal error of " + tol
                    + " in " + TransportDual.MAX_NEWTON + " Newton iterations (simMatrix may be badly scaled)");
        }
        return alpha;
    }

    private static double[] marginal(String op, String name, Tensor t, int len, String what) {
        if (t == null) {
            throw new IllegalArgumentException(op + ": " + name + " is null");
        }
        if (t.rank() != 1 || t.dim(0) != len) {
            throw new ShapeException(op + ": " + name + " must have shape [" + len + "] (one entry per " + what.substring(0,
                    what.length() - 1) + " of simMatrix), got " + Shapes.str(t.shape()));
        }
        double[] v = t.concrete().toArray();
        for (int i = 0; i < len; i++) {
            if (!(v[i] > 0) || Double.isInfinite(v[i])) {
                throw new IllegalArgumentException(op + ": " + name + " must be finite and > 0, got " + v[i]
                        + " at entry " + i);
            }
        }
        return v;
    }
}
