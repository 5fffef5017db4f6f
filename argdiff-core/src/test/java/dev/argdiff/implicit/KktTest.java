package dev.argdiff.implicit;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.linalg.dense.LU;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The KKT builder through customRoot, against closed forms of small constrained problems. */
class KktTest {

    /** min ½xᵀQx + cᵀx  s.t.  Ax = b, with θ = (c, b). */
    record QpArgs(Tensor c, Tensor b) {
    }

    private static final int N = 4;
    private static final int M = 2;
    private static final Tensor Q = spd();
    private static final Tensor A = Tensor.randomNormal(11, M, N);

    private static Tensor spd() {
        Tensor r = Tensor.randomNormal(10, N, N);
        return r.transposeMatmul(r).add(Tensor.eye(N));
    }

    /** The KKT matrix [[Q, Aᵀ], [A, 0]] as a row-major array. */
    private static double[] kktMatrix() {
        int k = N + M;
        double[] m = new double[k * k];
        double[] q = Q.toArray();
        double[] a = A.toArray();
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < N; j++) {
                m[i * k + j] = q[i * N + j];
            }
            for (int r = 0; r < M; r++) {
                m[i * k + N + r] = a[r * N + i];
                m[(N + r) * k + i] = a[r * N + i];
            }
        }
        return m;
    }

    /** The solver: one dense solve of the KKT system (on concrete values inside customRoot). */
    private static final BiFunction<Kkt.Point<Tensor>, QpArgs, Kkt.Point<Tensor>> KKT_SOLVER = (init, a) -> {
        double[] rhs = new double[N + M];
        double[] c = a.c().toArray();
        double[] b = a.b().toArray();
        for (int i = 0; i < N; i++) {
            rhs[i] = -c[i];
        }
        System.arraycopy(b, 0, rhs, N, M);
        double[] z = LU.factor(kktMatrix(), N + M).solve(rhs);
        return new Kkt.Point<>(Tensor.of(java.util.Arrays.copyOf(z, N)),
                Tensor.of(java.util.Arrays.copyOfRange(z, N, N + M)), null);
    };

    private static final BiFunction<Kkt.Point<Tensor>, QpArgs, Kkt.Point<Tensor>> QP_OPTIMALITY = Kkt.optimality(
            (Tensor x, QpArgs a) -> x.matmul(Q.matmul(x)).mul(0.5).add(a.c().vdot(x)),
            (Tensor x, QpArgs a) -> A.matmul(x).sub(a.b()),
            null);

    @Test
    void equalityConstrainedQpJacobiansEqualTheInverseKktMatrix() {
        QpArgs args = new QpArgs(Tensor.randomNormal(12, N), Tensor.randomNormal(13, M));
        var solve = ImplicitDiff.customRoot(QP_OPTIMALITY, KKT_SOLVER, ImplicitOptions.defaults());
        Kkt.Point<Tensor> init = Kkt.zeroDuals(Tensor.zeros(N), M, 0);
        // Closed form: z = K⁻¹[−c; b], so ∂x/∂c = −(K⁻¹)[0:N, 0:N] and ∂x/∂b = (K⁻¹)[0:N, N:N+M].
        double[] kinv = LU.factor(kktMatrix(), N + M).inverse();
        int k = N + M;
        QpArgs jac = Autodiff.jacrev((QpArgs a) -> solve.apply(init, a).primal()).apply(args);
        QpArgs jacFwd = Autodiff.jacfwd((QpArgs a) -> solve.apply(init, a).primal()).apply(args);
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < N; j++) {
                assertEquals(-kinv[i * k + j], jac.c().get(i, j), 1e-12, "dx/dc");
                assertEquals(-kinv[i * k + j], jacFwd.c().get(i, j), 1e-12, "dx/dc forward");
            }
            for (int r = 0; r < M; r++) {
                assertEquals(kinv[i * k + N + r], jac.b().get(i, r), 1e-12, "dx/db");
                assertEquals(kinv[i * k + N + r], jacFwd.b().get(i, r), 1e-12, "dx/db forward");
            }
        }
        // The optimality condition is zero at the solution.
        Kkt.Point<Tensor> z = KKT_SOLVER.apply(init, args);
        Kkt.Point<Tensor> f = QP_OPTIMALITY.apply(z, args);
        assertTrue(f.primal().norm().item() < 1e-12 && f.eqDual().norm().item() < 1e-12);
        assertEquals(N + M, Kkt.size(z));
    }

    /** min ½‖x − p‖²  s.t.  −x ≤ 0: x = max(p, 0), λ = max(−p, 0), dx/dp = diag(p > 0). */
    @Test
    void nonNegativityConstraintGivesTheMaskAsJacobian() {
        Tensor p = Tensor.of(1.5, -0.7, 0.3, -2.0, 0.9);
        BiFunction<Kkt.Point<Tensor>, Tensor, Kkt.Point<Tensor>> optimality = Kkt.optimality(
                (Tensor x, Tensor pp) -> x.sub(pp).squaredNorm().mul(0.5), null, (Tensor x, Tensor pp) -> x.neg());
        BiFunction<Kkt.Point<Tensor>, Tensor, Kkt.Point<Tensor>> solver = (init, pp) ->
                new Kkt.Point<>(pp.maximum(0.0), null, pp.neg().maximum(0.0));
        var solve = ImplicitDiff.customRoot(optimality, solver, ImplicitOptions.defaults());
        Kkt.Point<Tensor> init = Kkt.zeroDuals(Tensor.zeros(5), 0, 5);
        Tensor jx = Autodiff.jacrev((Tensor pp) -> solve.apply(init, pp).primal()).apply(p);
        Tensor jl = Autodiff.jacfwd((Tensor pp) -> solve.apply(init, pp).ineqDual()).apply(p);
        double[] mask = {1, 0, 1, 0, 1};
        for (int i = 0; i < 5; i++) {
            for (int j = 0; j < 5; j++) {
                assertEquals(i == j ? mask[i] : 0.0, jx.get(i, j), 1e-12, "dx/dp");
                assertEquals(i == j ? mask[i] - 1.0 : 0.0, jl.get(i, j), 1e-12, "dλ/dp");
            }
        }
    }

    @Test
    void mismatchedDualsAreRefused() {
        QpArgs args = new QpArgs(Tensor.zeros(N), Tensor.zeros(M));
        IllegalArgumentException noDuals = assertThrows(IllegalArgumentException.class,
                () -> QP_OPTIMALITY.apply(new Kkt.Point<>(Tensor.zeros(N), null, null), args));
        assertEquals("Kkt.optimality: the problem has equality constraints but the point has no equality duals",
                noDuals.getMessage());
        IllegalArgumentException wrongLength = assertThrows(IllegalArgumentException.class,
                () -> QP_OPTIMALITY.apply(new Kkt.Point<>(Tensor.zeros(N), Tensor.zeros(M + 1), null), args));
        assertTrue(wrongLength.getMessage().contains("do not match duals of shape [3]"), wrongLength.getMessage());
        assertArrayEquals(new int[] {M}, Kkt.zeroDuals(Tensor.zeros(N), M, 0).eqDual().shape());
    }
}
