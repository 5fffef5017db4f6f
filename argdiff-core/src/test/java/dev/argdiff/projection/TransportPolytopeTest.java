package dev.argdiff.projection;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.tensor.ShapeException;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Projections onto the transportation and Birkhoff polytopes: constraints, optimality against an
 * independent reference (OSQP through {@link Projection#polyhedron} for the Euclidean projection,
 * unrolled Sinkhorn for the KL one, closed forms on 2×2), derivatives implicit vs central finite
 * differences (and vs unrolled Sinkhorn), and refusal of bad inputs.
 */
class TransportPolytopeTest {

    private static final int M = 4;
    private static final int N = 5;
    private static final Tensor S = Tensor.randomNormal(11, M, N);
    /** Generic marginals (no partial sum of a equals one of b, so the plan's support is connected). */
    private static final Tensor A = Tensor.of(0.53, 1.41, 1.07, 2.11);
    private static final Tensor B = Tensor.of(1.23, 0.79, 1.02, 1.37, 0.71);

    private static double maxAbsDiff(double[] x, double[] y) {
        double d = 0;
        for (int i = 0; i < x.length; i++) {
            d = Math.max(d, Math.abs(x[i] - y[i]));
        }
        return d;
    }

    private static void assertInPolytope(Tensor p, Tensor a, Tensor b, double tol) {
        double[][] v = p.toArray2d();
        double[] rows = p.sum(1).toArray();
        double[] cols = p.sum(0).toArray();
        for (double[] row : v) {
            for (double x : row) {
                assertTrue(x >= 0, "P >= 0, got " + x);
            }
        }
        assertTrue(maxAbsDiff(rows, a.toArray()) <= tol, () -> "row sums off by " + maxAbsDiff(rows, a.toArray()));
        assertTrue(maxAbsDiff(cols, b.toArray()) <= tol, () -> "column sums off by " + maxAbsDiff(cols, b.toArray()));
    }

    /** The Euclidean projection as a QP on vec(P) (row-major): rows sum to a, columns but the last to b, P ≥ 0. */
    private static Tensor qpReference(Tensor s, Tensor a, Tensor b) {
        int m = s.dim(0);
        int n = s.dim(1);
        double[][] eq = new double[m + n - 1][m * n];
        double[] rhs = new double[m + n - 1];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                eq[i][i * n + j] = 1;
                if (j < n - 1) {
                    eq[m + j][i * n + j] = 1;
                }
            }
            rhs[i] = a.get(i);
        }
        for (int j = 0; j < n - 1; j++) {
            rhs[m + j] = b.get(j);
        }
        Tensor p = Projection.polyhedron(s.reshape(m * n), Tensor.of(eq), Tensor.of(rhs), Tensor.eye(m * n).neg(),
                Tensor.zeros(m * n));
        return p.reshape(m, n);
    }

    @Test
    void transportSatisfiesTheMarginalsAndMatchesTheQpSolution() {
        Tensor p = TransportPolytope.transport(S, A, B);
        assertInPolytope(p, A, B, 1e-11);
        Tensor ref = qpReference(S, A, B);
        assertTrue(maxAbsDiff(p.toArray(), ref.toArray()) <= 1e-7, () -> "vs OSQP: "
                + maxAbsDiff(p.toArray(), ref.toArray()));
        int zeros = 0;
        for (double v : p.toArray()) {
            zeros += v == 0 ? 1 : 0;
        }
        assertTrue(zeros > 0 && zeros < M * N, "a proper support, got " + zeros + " zeros");
    }

    @Test
    void birkhoffIsDoublyStochasticAndMatchesTheQpSolution() {
        Tensor s = Tensor.randomNormal(5, 5, 5).mul(0.7);
        Tensor p = TransportPolytope.birkhoff(s);
        assertInPolytope(p, Tensor.ones(5), Tensor.ones(5), 1e-11);
        Tensor ref = qpReference(s, Tensor.ones(5), Tensor.ones(5));
        assertTrue(maxAbsDiff(p.toArray(), ref.toArray()) <= 1e-7, () -> "vs OSQP: "
                + maxAbsDiff(p.toArray(), ref.toArray()));
        assertTrue(maxAbsDiff(Projection.birkhoff(s).toArray(), p.toArray()) == 0, "the Projection entry point");
    }

    /** On 2×2, P = [[x, a₁−x], [b₁−x, a₂−b₁+x]]: ½‖P − S‖² is a parabola in x, clipped to feasibility. */
    @Test
    void twoByTwoClosedForms() {
        Tensor s = Tensor.of(new double[][]{{0.3, -0.2}, {0.9, 0.1}});
        double a1 = 0.7;
        double a2 = 1.3;
        double b1 = 1.1;
        Tensor a = Tensor.of(a1, a2);
        Tensor b = Tensor.of(b1, a1 + a2 - b1);
        double x = (s.get(0, 0) - s.get(0, 1) - s.get(1, 0) + s.get(1, 1) + a1 + 2 * b1 - a2) / 4;
        x = Math.min(Math.max(x, Math.max(0, b1 - a2)), Math.min(a1, b1));
        double[] euclid = {x, a1 - x, b1 - x, a2 - b1 + x};
        assertTrue(maxAbsDiff(TransportPolytope.transport(s, a, b).toArray(), euclid) <= 1e-12);
        // KL: log P₁₁ + log P₂₂ − log P₁₂ − log P₂₁ = κ = S₁₁ + S₂₂ − S₁₂ − S₂₁, a quadratic in x.
        double e = Math.exp(s.get(0, 0) + s.get(1, 1) - s.get(0, 1) - s.get(1, 0));
        // x(a₂ − b₁ + x) = e(a₁ − x)(b₁ − x)  ⇔  (1 − e)x² + (a₂ − b₁ + e(a₁ + b₁))x − e·a₁b₁ = 0
        double qa = 1 - e;
        double qb = a2 - b1 + e * (a1 + b1);
        double qc = -e * a1 * b1;
        double root = Math.abs(qa) < 1e-14 ? -qc / qb : (-qb + Math.sqrt(qb * qb - 4 * qa * qc)) / (2 * qa);
        if (!(root > Math.max(0, b1 - a2) && root < Math.min(a1, b1))) {
            root = (-qb - Math.sqrt(qb * qb - 4 * qa * qc)) / (2 * qa);
        }
        double[] kl = {root, a1 - root, b1 - root, a2 - b1 + root};
        double[] got = TransportPolytope.klTransport(s, a, b).toArray();
        assertTrue(maxAbsDiff(got, kl) <= 1e-12, () -> "KL 2x2 off by " + maxAbsDiff(got, kl));
    }

    @Test
    void transportDerivativesMatchFiniteDifferencesForwardAndReverse() {
        Tensor v = Tensor.randomNormal(3, M, N);
        Tensor w = Tensor.randomNormal(4, M, N);
        Function<Tensor, Tensor> ofS = s -> TransportPolytope.transport(s, A, B);
        double[] jv = Autodiff.jvp(ofS, S, v).tangent().toArray();
        double h = 1e-6;
        double[] fd = centralDifference(t -> ofS.apply(S.add(v.mul(t))), h);
        assertTrue(maxAbsDiff(jv, fd) <= 1e-7, () -> "forward vs FD: " + maxAbsDiff(jv, fd));
        double[] gs = Autodiff.grad((Tensor s) -> ofS.apply(s).mul(w).sum()).apply(S).toArray();
        double lhs = dot(gs, v.toArray());
        double rhs = dot(w.toArray(), jv);
        assertEquals(rhs, lhs, 1e-10 * Math.max(1, Math.abs(rhs)), "reverse ⟨∇, v⟩ vs forward ⟨w, Jv⟩");
        // The marginals, in a direction that keeps Σa = Σb.
        Tensor da = Tensor.of(0.1, -0.2, 0.05, 0.15);
        Tensor db = Tensor.of(0.02, 0.03, -0.05, 0.06, 0.04);
        Function<Tensor, Tensor> ofT = t -> TransportPolytope.transport(S, A.add(da.mul(t)), B.add(db.mul(t)));
        double[] jt = Autodiff.jacfwd(ofT).apply(Tensor.scalar(0)).toArray();
        double[] jtr = Autodiff.jacrev(ofT).apply(Tensor.scalar(0)).toArray();
        double[] fdt = centralDifference(ofT, h);
        assertTrue(maxAbsDiff(jt, fdt) <= 1e-7, () -> "marginals forward vs FD: " + maxAbsDiff(jt, fdt));
        assertTrue(maxAbsDiff(jtr, jt) <= 1e-10, () -> "marginals reverse vs forward: " + maxAbsDiff(jtr, jt));
    }

    /** Sinkhorn's iterations as plain tensor operations, unrolled: an independent reference for value and derivatives. */
    private static Tensor unrolledSinkhorn(Tensor s, Tensor a, Tensor b, int iterations) {
        int m = s.dim(0);
        int n = s.dim(1);
        Tensor f = Tensor.zeros(m);
        Tensor g = Tensor.zeros(n);
        for (int k = 0; k < iterations; k++) {
            g = b.log().sub(s.add(f.reshape(m, 1)).logsumexp(0));
            f = a.log().sub(s.add(g.reshape(1, n)).logsumexp(1));
        }
        return s.add(f.reshape(m, 1)).add(g.reshape(1, n)).exp();
    }

    @Test
    void klTransportIsTheSinkhornScalingOfExpS() {
        Tensor p = TransportPolytope.klTransport(S, A, B);
        assertInPolytope(p, A, B, 1e-11);
        double[] ref = unrolledSinkhorn(S, A, B, 500).toArray();
        assertTrue(maxAbsDiff(p.toArray(), ref) <= 1e-12, () -> "vs unrolled Sinkhorn: " + maxAbsDiff(p.toArray(), ref));
        // Optimality: log P − S = f𝟙ᵀ + 𝟙gᵀ, so its double differences vanish.
        double[][] d = p.log().sub(S).toArray2d();
        for (int i = 1; i < M; i++) {
            for (int j = 1; j < N; j++) {
                assertEquals(0, d[i][j] - d[i][0] - d[0][j] + d[0][0], 1e-11);
            }
        }
        Tensor bk = TransportPolytope.klBirkhoff(Tensor.randomNormal(8, 6, 6).mul(3));
        assertInPolytope(bk, Tensor.ones(6), Tensor.ones(6), 1e-11);
    }

    @Test
    void klTransportDerivativesImplicitUnrolledAndFiniteDifferences() {
        Tensor v = Tensor.randomNormal(3, M, N);
        Tensor w = Tensor.randomNormal(4, M, N);
        Tensor da = Tensor.of(0.1, -0.2, 0.05, 0.15);
        Tensor db = Tensor.of(0.02, 0.03, -0.05, 0.06, 0.04);
        Function<Tensor, Tensor> implicit = t -> TransportPolytope.klTransport(S.add(v.mul(t)), A.add(da.mul(t)),
                B.add(db.mul(t)));
        Function<Tensor, Tensor> unrolled = t -> unrolledSinkhorn(S.add(v.mul(t)), A.add(da.mul(t)),
                B.add(db.mul(t)), 300);
        Tensor zero = Tensor.scalar(0);
        double[] fwd = Autodiff.jacfwd(implicit).apply(zero).toArray();
        double[] rev = Autodiff.jacrev(implicit).apply(zero).toArray();
        double[] unr = Autodiff.jacfwd(unrolled).apply(zero).toArray();
        // The solutions are accurate to ~1e-12, so the step must be large enough for that not to show.
        double[] fd = centralDifference(implicit, 1e-4);
        assertTrue(maxAbsDiff(fwd, unr) <= 1e-10, () -> "implicit vs unrolled Sinkhorn: " + maxAbsDiff(fwd, unr));
        assertTrue(maxAbsDiff(rev, fwd) <= 1e-10, () -> "reverse vs forward: " + maxAbsDiff(rev, fwd));
        assertTrue(maxAbsDiff(fwd, fd) <= 1e-7, () -> "implicit vs FD: " + maxAbsDiff(fwd, fd));
        // Full reverse-mode gradient in S against the forward directional derivative.
        double[] gs = Autodiff.grad((Tensor s) -> TransportPolytope.klTransport(s, A, B).mul(w).sum()).apply(S).toArray();
        double[] jv = Autodiff.jvp((Tensor s) -> TransportPolytope.klTransport(s, A, B), S, v).tangent().toArray();
        assertEquals(dot(w.toArray(), jv), dot(gs, v.toArray()), 1e-10);
    }

    @Test
    void klBirkhoffSecondDerivativeMatchesUnrolledSinkhornAndFiniteDifferences() {
        Tensor s0 = Tensor.randomNormal(21, 4, 4);
        Tensor v = Tensor.randomNormal(22, 4, 4);
        Tensor w = Tensor.randomNormal(23, 4, 4);
        Function<Tensor, Tensor> value = t -> TransportPolytope.klBirkhoff(s0.add(v.mul(t))).mul(w).sum();
        Function<Tensor, Tensor> unrolled = t -> unrolledSinkhorn(s0.add(v.mul(t)), Tensor.ones(4), Tensor.ones(4), 300)
                .mul(w).sum();
        double second = Autodiff.jacfwd(Autodiff.grad(value)).apply(Tensor.scalar(0)).item();
        double secondUnrolled = Autodiff.jacfwd(Autodiff.grad(unrolled)).apply(Tensor.scalar(0)).item();
        double h = 1e-3;
        double fd = (value.apply(Tensor.scalar(h)).item() - 2 * value.apply(Tensor.scalar(0)).item()
                + value.apply(Tensor.scalar(-h)).item()) / (h * h);
        assertEquals(secondUnrolled, second, 1e-9 * Math.max(1, Math.abs(second)));
        assertEquals(fd, second, 1e-5 * Math.max(1, Math.abs(second)));
        assertTrue(Math.abs(second) > 1e-3, "a non-trivial second derivative: " + second);
    }

    @Test
    void birkhoffOfAScaledPermutationIsThePermutationAndLocallyConstant() {
        double[][] perm = {{0, 1, 0}, {0, 0, 1}, {1, 0, 0}};
        Tensor s = Tensor.of(perm).mul(10);
        Tensor p = TransportPolytope.birkhoff(s);
        assertTrue(maxAbsDiff(p.toArray(), Tensor.of(perm).toArray()) <= 1e-12);
        // A vertex: every component is its own block, and P does not move under small changes of S.
        Tensor v = Tensor.randomNormal(5, 3, 3);
        double[] jv = Autodiff.jvp(TransportPolytope::birkhoff, s, v).tangent().toArray();
        double[] fd = centralDifference(t -> TransportPolytope.birkhoff(s.add(v.mul(t))), 1e-3);
        assertTrue(maxAbs(jv) <= 1e-12 && maxAbs(fd) <= 1e-12, () -> "derivative " + maxAbs(jv) + ", FD " + maxAbs(fd));
    }

    /**
     * A block-diagonal plan (rows and columns {0, 1} and {2, 3} do not exchange mass): α is not
     * unique, yet P has a derivative in S, forward and reverse; in the marginals only one-sided
     * derivatives exist (for directions that move mass between blocks), which must be refused.
     */
    @Test
    void blockDiagonalSupportDifferentiatesInSAndRefusesTheMarginals() {
        Tensor s = Tensor.of(new double[][]{{0.3, -0.1, -5, -5}, {0.2, 0.4, -5, -5}, {-5, -5, 0.1, 0.6},
                {-5, -5, -0.3, 0.2}});
        Tensor ones = Tensor.ones(4);
        Tensor p = TransportPolytope.transport(s, ones, ones);
        assertInPolytope(p, ones, ones, 1e-11);
        assertTrue(maxAbsDiff(p.toArray(), qpReference(s, ones, ones).toArray()) <= 1e-7);
        assertEquals(0, p.get(0, 2) + p.get(0, 3) + p.get(1, 2) + p.get(1, 3), 0.0, "block-diagonal");
        Tensor v = Tensor.randomNormal(6, 4, 4);
        Tensor w = Tensor.randomNormal(7, 4, 4);
        double[] jv = Autodiff.jvp((Tensor x) -> TransportPolytope.birkhoff(x), s, v).tangent().toArray();
        double[] fd = centralDifference(t -> TransportPolytope.birkhoff(s.add(v.mul(t))), 1e-6);
        assertTrue(maxAbsDiff(jv, fd) <= 1e-7, () -> "in S: " + maxAbsDiff(jv, fd));
        assertTrue(maxAbs(jv) > 1e-2, "a non-zero derivative");
        double[] g = Autodiff.grad((Tensor x) -> TransportPolytope.birkhoff(x).mul(w).sum()).apply(s).toArray();
        assertEquals(dot(w.toArray(), jv), dot(g, v.toArray()), 1e-10, "reverse vs forward in S");
        Tensor moveB = Tensor.of(0.0, 0.0, 0.1, -0.1);
        Tensor moveA = Tensor.of(0.1, 0.0, -0.1, 0.0);
        Function<Tensor, Tensor> breaking = t -> TransportPolytope.transport(s, ones.add(moveA.mul(t)),
                ones.add(moveB.mul(t)));
        // One-sided difference quotients differ: there is no derivative to return.
        double h = 1e-6;
        double[] at = breaking.apply(Tensor.scalar(0)).toArray();
        double[] up = breaking.apply(Tensor.scalar(h)).toArray();
        double[] down = breaking.apply(Tensor.scalar(-h)).toArray();
        double kink = 0;
        for (int i = 0; i < at.length; i++) {
            kink = Math.max(kink, Math.abs((up[i] - at[i]) / h - (at[i] - down[i]) / h));
        }
        assertTrue(kink > 1e-2, "the one-sided derivatives differ by " + kink);
        assertMessage(dev.argdiff.implicit.ImplicitDiffException.class, "independent blocks",
                () -> Autodiff.jacfwd(breaking).apply(Tensor.scalar(0)));
        assertMessage(dev.argdiff.implicit.ImplicitDiffException.class, "independent blocks",
                () -> Autodiff.grad((Tensor t) -> breaking.apply(t).mul(w).sum()).apply(Tensor.scalar(0)));
    }

    private static double maxAbs(double[] x) {
        double d = 0;
        for (double v : x) {
            d = Math.max(d, Math.abs(v));
        }
        return d;
    }

    /**
     * A hard case for the semi-dual Newton iteration: marginals far smaller than the spread of S, so
     * the plan is very sparse. Optimality by the variational inequality ⟨S − P, Q − P⟩ ≤ 0 for
     * feasible Q (abᵀ/Σa and KL projections of random matrices).
     */
    @Test
    void sparsePlansOfABadlyScaledProblem() {
        int m = 20;
        int n = 30;
        Tensor s = Tensor.randomNormal(31, m, n).mul(100);
        Tensor a = Tensor.randomUniform(32, m).add(0.5);
        a = a.div(a.sum().item());
        Tensor b = Tensor.randomUniform(33, n).add(0.5);
        b = b.div(b.sum().item());
        Tensor p = TransportPolytope.transport(s, a, b);
        assertInPolytope(p, a, b, 1e-12);
        java.util.List<Tensor> feasible = new java.util.ArrayList<>();
        feasible.add(a.outer(b));
        for (int k = 0; k < 3; k++) {
            feasible.add(TransportPolytope.klTransport(Tensor.randomNormal(40 + k, m, n).mul(3), a, b));
        }
        for (Tensor q : feasible) {
            double vi = s.sub(p).mul(q.sub(p)).sum().item();
            assertTrue(vi <= 1e-9, "variational inequality: " + vi);
        }
        Tensor pk = TransportPolytope.klTransport(s, a, b);
        assertInPolytope(pk, a, b, 1e-12);
    }

    @Test
    void refusesBadInputsNamingTheArgument() {
        assertMessage(IllegalArgumentException.class, "equal sums",
                () -> TransportPolytope.transport(S, A, B.mul(1.01)));
        assertMessage(IllegalArgumentException.class, "a must be finite and > 0, got -0.5 at entry 0",
                () -> TransportPolytope.transport(S, Tensor.of(-0.5, 2.44, 1.07, 2.11), B));
        assertMessage(IllegalArgumentException.class, "b must be finite and > 0, got 0.0 at entry 4",
                () -> TransportPolytope.klTransport(S, A, Tensor.of(1.23, 0.79, 1.02, 2.08, 0.0)));
        assertMessage(IllegalArgumentException.class, "b must be finite and > 0, got NaN",
                () -> TransportPolytope.klTransport(S, A, Tensor.of(1.23, 0.79, 1.02, 2.08, Double.NaN)));
        Tensor nan = S.add(Tensor.of(new int[]{M, N}, nanAt(M * N, 7)));
        assertMessage(IllegalArgumentException.class, "simMatrix contains NaN at entry (1, 2)",
                () -> TransportPolytope.transport(nan, A, B));
        assertMessage(ShapeException.class, "a must have shape [4]",
                () -> TransportPolytope.transport(S, Tensor.of(1.0, 2.0, 2.0), B));
        assertMessage(ShapeException.class, "b must have shape [5]",
                () -> TransportPolytope.klTransport(S, A, Tensor.of(new double[][]{{5.0}})));
        assertMessage(ShapeException.class, "simMatrix must be a non-empty matrix",
                () -> TransportPolytope.transport(Tensor.of(1.0, 2.0), A, B));
        assertMessage(ShapeException.class, "square",
                () -> TransportPolytope.klBirkhoff(S));
        assertMessage(IllegalArgumentException.class, "simMatrix is null",
                () -> TransportPolytope.birkhoff(null));
        assertMessage(IllegalArgumentException.class, "a is null",
                () -> TransportPolytope.transport(S, null, B));
    }

    @Test
    void concurrentCallsAgree() throws Exception {
        double[] expected = TransportPolytope.klTransport(S, A, B).toArray();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            java.util.List<java.util.concurrent.Future<double[]>> out = new java.util.ArrayList<>();
            for (int k = 0; k < 4; k++) {
                out.add(pool.submit(() -> Autodiff.grad((Tensor s) -> TransportPolytope.klTransport(s, A, B).sum(1)
                        .dot(Tensor.arange(M))).apply(S).toArray()));
            }
            double[] first = out.get(0).get();
            for (java.util.concurrent.Future<double[]> f : out) {
                assertTrue(maxAbsDiff(f.get(), first) == 0);
            }
            // Rows sum to a whatever S is, so the gradient of Σᵢ i·(P𝟙)ᵢ with respect to S vanishes.
            for (double g : first) {
                assertEquals(0, g, 1e-10);
            }
        } finally {
            pool.shutdown();
        }
        assertTrue(maxAbsDiff(TransportPolytope.klTransport(S, A, B).toArray(), expected) == 0);
    }

    private static double[] nanAt(int size, int index) {
        double[] v = new double[size];
        v[index] = Double.NaN;
        return v;
    }

    private static <T extends Throwable> void assertMessage(Class<T> type, String fragment,
                                                            org.junit.jupiter.api.function.Executable call) {
        T e = assertThrows(type, call);
        assertTrue(e.getMessage().contains(fragment), () -> "message: " + e.getMessage());
    }

    private static double[] centralDifference(Function<Tensor, Tensor> f, double h) {
        double[] plus = f.apply(Tensor.scalar(h)).toArray();
        double[] minus = f.apply(Tensor.scalar(-h)).toArray();
        double[] d = new double[plus.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = (plus[i] - minus[i]) / (2 * h);
        }
        return d;
    }

    private static double dot(double[] x, double[] y) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += x[i] * y[i];
        }
        return s;
    }
}
