package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.projection.Projection;
import dev.argdiff.tensor.ShapeException;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.function.Function;

import static dev.argdiff.solvers.SolverFixtures.maxAbs;
import static dev.argdiff.solvers.SolverFixtures.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mirror descent against closed forms (the entropy-regularized linear program on the simplex,
 * solved by softmax(−c/τ)), against projected gradient with the Euclidean simplex projection on a
 * strongly convex quadratic, and its derivatives: implicit (forward, reverse, second order) vs
 * unrolled vs central finite differences.
 */
class MirrorDescentTest {

    private static final Tensor C = Tensor.of(0.3, -0.1, 0.5, -0.4, 0.05);
    private static final int N = 5;

    /** ⟨c, x⟩ + τ Σ xᵢ log xᵢ. */
    private static Tensor entropic(Tensor x, Tensor tau) {
        return x.dot(C).add(tau.mul(x.mul(x.log()).sum()));
    }

    private static double[] softmaxOf(double tau) {
        double[] z = new double[N];
        double m = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < N; i++) {
            z[i] = -C.get(i) / tau;
            m = Math.max(m, z[i]);
        }
        double s = 0;
        for (int i = 0; i < N; i++) {
            z[i] = Math.exp(z[i] - m);
            s += z[i];
        }
        for (int i = 0; i < N; i++) {
            z[i] /= s;
        }
        return z;
    }

    /** dx/dτ = (diag(x) − xxᵀ)·c/τ² for x = softmax(−c/τ). */
    private static double[] softmaxDerivative(double tau) {
        double[] x = softmaxOf(tau);
        double xc = 0;
        for (int i = 0; i < N; i++) {
            xc += x[i] * C.get(i);
        }
        double[] d = new double[N];
        for (int i = 0; i < N; i++) {
            d[i] = x[i] * (C.get(i) - xc) / (tau * tau);
        }
        return d;
    }

    private static Function<Tensor, Tensor> solution(boolean implicit, int maxiter) {
        MirrorDescent<Tensor, Tensor> md = MirrorDescent.<Tensor>exponentiatedGradient(MirrorDescentTest::entropic)
                .stepsize(0.8).tol(1e-13).maxiter(maxiter).implicitDiff(implicit);
        return tau -> md.run(Tensor.full(1.0 / N, N), tau).params();
    }

    @Test
    void entropicLinearProgramHasTheSoftmaxSolution() {
        double tau = 0.7;
        SolverResult<Tensor, MirrorDescent.State<Tensor>> r = MirrorDescent.<Tensor>exponentiatedGradient(
                MirrorDescentTest::entropic).stepsize(0.8).tol(1e-13).run(Tensor.full(1.0 / N, N), Tensor.scalar(tau));
        assertTrue(r.converged(), "status " + r.status());
        double[] expected = softmaxOf(tau);
        assertTrue(maxAbsDiff(r.params().toArray(), expected) <= 1e-12, () -> "off by "
                + maxAbsDiff(r.params().toArray(), expected));
        assertTrue(r.state().error() <= 1e-13);
    }

    @Test
    void derivativeImplicitUnrolledFiniteDifferencesAndClosedForm() {
        double tau = 0.7;
        Tensor theta = Tensor.scalar(tau);
        Function<Tensor, Tensor> implicit = solution(true, 1000);
        double[] closed = softmaxDerivative(tau);
        double[] forward = Autodiff.jacfwd(implicit).apply(theta).toArray();
        double[] reverse = Autodiff.jacrev(implicit).apply(theta).toArray();
        double[] unrolled = Autodiff.jacfwd(solution(false, 1000)).apply(theta).toArray();
        double[] unrolledReverse = Autodiff.jacrev(solution(false, 1000)).apply(theta).toArray();
        double h = 1e-5;
        double[] plus = implicit.apply(Tensor.scalar(tau + h)).toArray();
        double[] minus = implicit.apply(Tensor.scalar(tau - h)).toArray();
        double[] fd = new double[N];
        for (int i = 0; i < N; i++) {
            fd[i] = (plus[i] - minus[i]) / (2 * h);
        }
        assertTrue(maxAbsDiff(forward, closed) <= 1e-10, () -> "forward " + maxAbsDiff(forward, closed));
        assertTrue(maxAbsDiff(reverse, closed) <= 1e-10, () -> "reverse " + maxAbsDiff(reverse, closed));
        assertTrue(maxAbsDiff(unrolled, closed) <= 1e-9, () -> "unrolled " + maxAbsDiff(unrolled, closed));
        assertTrue(maxAbsDiff(unrolledReverse, closed) <= 1e-9, () -> "unrolled reverse "
                + maxAbsDiff(unrolledReverse, closed));
        assertTrue(maxAbsDiff(fd, closed) <= 1e-8, () -> "finite differences " + maxAbsDiff(fd, closed));
    }

    @Test
    void secondDerivativeMatchesFiniteDifferencesOfTheClosedForm() {
        double tau = 0.7;
        Tensor w = Tensor.of(1.0, -2.0, 0.5, 3.0, -1.0);
        Function<Tensor, Tensor> implicit = solution(true, 1000);
        Function<Tensor, Tensor> value = t -> implicit.apply(t).dot(w);
        double second = Autodiff.jacfwd(Autodiff.grad(value)).apply(Tensor.scalar(tau)).item();
        double h = 1e-4;
        double[] up = softmaxDerivative(tau + h);
        double[] down = softmaxDerivative(tau - h);
        double expected = 0;
        for (int i = 0; i < N; i++) {
            expected += w.get(i) * (up[i] - down[i]) / (2 * h);
        }
        assertEquals(expected, second, 1e-7 * Math.max(1, Math.abs(expected)));
    }

    /** ½ xᵀQx + ⟨q, x⟩ with Q positive definite, q small: the minimizer over the simplex is interior. */
    record Quadratic(Tensor q, Tensor lin) {
    }

    private static final Tensor Q = Tensor.of(new double[][]{
            {2.0, 0.3, 0.1, 0.0},
            {0.3, 1.5, -0.2, 0.1},
            {0.1, -0.2, 1.8, 0.4},
            {0.0, 0.1, 0.4, 2.5}});

    private static Tensor quadratic(Tensor x, Quadratic a) {
        return x.dot(a.q().matmul(x)).mul(0.5).add(x.dot(a.lin()));
    }

    @Test
    void agreesWithProjectedGradientOnAStronglyConvexQuadratic() {
        Tensor x0 = Tensor.full(0.25, 4);
        Function<Tensor, Tensor> md = lin -> MirrorDescent.<Quadratic>exponentiatedGradient(MirrorDescentTest::quadratic)
                .stepsize(0.5).tol(1e-12).maxiter(5000).run(x0, new Quadratic(Q, lin)).params();
        Function<Tensor, Tensor> pg = lin -> ProjectedGradient.<Tensor, Quadratic>of(MirrorDescentTest::quadratic,
                (x, a) -> Projection.simplex(x, 1.0)).stepsize(0.3).tol(1e-12).maxiter(5000)
                .run(x0, new Quadratic(Q, lin)).params();
        Tensor lin = Tensor.of(0.2, -0.1, 0.3, -0.25);
        double[] xm = md.apply(lin).toArray();
        double[] xp = pg.apply(lin).toArray();
        for (double v : xp) {
            assertTrue(v > 0.05, "the reference solution is interior: " + v);
        }
        assertTrue(maxAbsDiff(xm, xp) <= 1e-10, () -> "mirror vs projected: " + maxAbsDiff(xm, xp));
        double[] jm = Autodiff.jacfwd(md).apply(lin).toArray();
        double[] jmr = Autodiff.jacrev(md).apply(lin).toArray();
        double[] jp = Autodiff.jacfwd(pg).apply(lin).toArray();
        double scale = Math.max(1, maxAbs(jp));
        assertTrue(maxAbsDiff(jm, jp) <= 1e-8 * scale, () -> "Jacobian vs projected gradient's: " + maxAbsDiff(jm, jp));
        assertTrue(maxAbsDiff(jmr, jp) <= 1e-8 * scale, () -> "reverse Jacobian: " + maxAbsDiff(jmr, jp));
    }

    /** With the Euclidean mirror map (∇φ = identity) and the simplex projection, mirror descent is projected gradient. */
    @Test
    void euclideanMirrorMapGivesTheProjectedGradientIterates() {
        Tensor x0 = Tensor.of(0.7, 0.1, 0.1, 0.1);
        Quadratic args = new Quadratic(Q, Tensor.of(0.2, -0.1, 0.3, -0.25));
        for (int k : new int[]{1, 3, 7}) {
            Tensor md = MirrorDescent.<Tensor, Quadratic>of(MirrorDescentTest::quadratic,
                    MirrorDescent.projectionGrad((y, a) -> Projection.simplex(y, 1.0), y -> y))
                    .stepsize(0.3).tol(0).maxiter(k).run(x0, args).params();
            Tensor pg = ProjectedGradient.<Tensor, Quadratic>of(MirrorDescentTest::quadratic,
                    (x, a) -> Projection.simplex(x, 1.0)).stepsize(0.3).acceleration(false).tol(0).maxiter(k)
                    .run(x0, args).params();
            assertTrue(maxAbsDiff(md.toArray(), pg.toArray()) <= 1e-15, "after " + k + " iterations: "
                    + maxAbsDiff(md.toArray(), pg.toArray()));
        }
    }

    @Test
    void checkpointedUnrollingGivesTheSameDerivative() {
        Tensor theta = Tensor.scalar(0.7);
        Function<Tensor, Tensor> plain = solution(false, 60);
        MirrorDescent<Tensor, Tensor> md = MirrorDescent.<Tensor>exponentiatedGradient(MirrorDescentTest::entropic)
                .stepsize(0.8).tol(1e-13).maxiter(60).implicitDiff(false).checkpointEvery(7);
        Function<Tensor, Tensor> checkpointed = tau -> md.run(Tensor.full(1.0 / N, N), tau).params();
        double[] a = Autodiff.jacrev(plain).apply(theta).toArray();
        double[] b = Autodiff.jacrev(checkpointed).apply(theta).toArray();
        assertTrue(maxAbsDiff(a, b) <= 1e-14, () -> "checkpointed vs plain: " + maxAbsDiff(a, b));
        assertTrue(maxAbsDiff(a, softmaxDerivative(0.7)) <= 1e-9);
    }

    @Test
    void projectionGradFromProjectionAndMirrorMapIsTheKlStep() {
        MirrorDescent.ProjectionGrad<Tensor, Object> made = MirrorDescent.projectionGrad(
                (y, a) -> y.softmax(0), Tensor::log);
        Tensor x = Tensor.of(0.1, 0.2, 0.3, 0.4);
        Tensor g = Tensor.of(1.0, -0.5, 0.25, 2.0);
        double[] expected = MirrorDescent.<Object>klSimplex().apply(x, g, 0.7, null).toArray();
        double[] got = made.apply(x, g, 0.7, null).toArray();
        assertTrue(maxAbsDiff(got, expected) <= 1e-15);
        // x·exp(−s·g), normalized, by hand.
        double sum = 0;
        double[] manual = new double[4];
        for (int i = 0; i < 4; i++) {
            manual[i] = x.get(i) * Math.exp(-0.7 * g.get(i));
            sum += manual[i];
        }
        for (int i = 0; i < 4; i++) {
            assertEquals(manual[i] / sum, got[i], 1e-15);
        }
    }

    @Test
    void rowsOfAMatrixAreDistributionsAndAScheduleIsUsed() {
        Tensor c = Tensor.of(new double[][]{{0.3, -0.2, 0.1}, {1.0, 0.0, -1.0}});
        double tau = 0.5;
        int[] calls = {0};
        MirrorDescent<Tensor, Tensor> md = MirrorDescent.<Tensor>exponentiatedGradient((x, t) ->
                        x.mul(c).sum().add(t.mul(x.mul(x.log()).sum())))
                .stepsize(k -> {
                    calls[0]++;
                    return 1.0;
                }).tol(1e-12);
        double[][] x = md.run(Tensor.full(1.0 / 3, 2, 3), Tensor.scalar(tau)).params().toArray2d();
        assertTrue(calls[0] > 0);
        for (int r = 0; r < 2; r++) {
            double s = 0;
            for (int j = 0; j < 3; j++) {
                s += Math.exp(-c.get(r, j) / tau);
            }
            for (int j = 0; j < 3; j++) {
                assertEquals(Math.exp(-c.get(r, j) / tau) / s, x[r][j], 1e-12);
            }
        }
    }

    @Test
    void refusesBadInputsNamingThem() {
        BiFunctionHolder h = new BiFunctionHolder();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MirrorDescent.<Tensor>exponentiatedGradient(h::f).stepsize(0.0));
        assertTrue(e.getMessage().contains("stepsize"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> MirrorDescent.<Tensor>exponentiatedGradient(h::f).stepsize(Double.NaN));
        assertTrue(e.getMessage().contains("stepsize"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> MirrorDescent.<Tensor>exponentiatedGradient(h::f).stepsize(k -> -1.0)
                        .run(Tensor.full(0.5, 2), Tensor.scalar(1)));
        assertTrue(e.getMessage().contains("schedule"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> MirrorDescent.<Tensor>exponentiatedGradient(h::f).run(Tensor.of(0.5, 0.0, 0.5), Tensor.scalar(1)));
        assertTrue(e.getMessage().contains("positive") && e.getMessage().contains("entry 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> MirrorDescent.of(null, MirrorDescent.klSimplex()));
        assertTrue(e.getMessage().contains("fun"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> MirrorDescent.<Tensor, Tensor>of(h::f, null));
        assertTrue(e.getMessage().contains("projectionGrad"), e.getMessage());
        ShapeException s = assertThrows(ShapeException.class, () -> MirrorDescent.<Tensor, Tensor>of(h::f,
                (x, g, st, a) -> x.sum()).run(Tensor.full(0.5, 2), Tensor.scalar(1)));
        assertTrue(s.getMessage().contains("MirrorDescent"), s.getMessage());
    }

    private static final class BiFunctionHolder {
        Tensor f(Tensor x, Tensor t) {
            return x.square().sum().mul(t);
        }
    }
}
