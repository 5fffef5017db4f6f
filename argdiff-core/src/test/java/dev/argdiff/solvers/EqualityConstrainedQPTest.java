package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.implicit.Kkt;
import dev.argdiff.linalg.LinearSolver;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * EqualityConstrainedQP against the plain-elimination solution of its KKT system, its derivatives
 * against the closed form −K⁻¹ and central finite differences of re-solved problems.
 */
class EqualityConstrainedQPTest {

    private static final int N = 6;
    private static final int P = 2;
    private static final Random RND = new Random(13);
    private static final double[] Q = QpFixtures.spd(RND, N, 0.5);
    private static final double[] C = QpFixtures.gaussian(RND, N);
    private static final double[] A = QpFixtures.gaussian(RND, P * N);
    private static final double[] B = QpFixtures.gaussian(RND, P);

    private static EqualityConstrainedQP.Problem problem(double[] q, double[] c, double[] a, double[] b) {
        return new EqualityConstrainedQP.Problem(QpFixtures.matrix(q, N, N), Tensor.of(c.clone()),
                QpFixtures.matrix(a, P, N), Tensor.of(b.clone()));
    }

    private static double[] flat(Kkt.Point<Tensor> z) {
        double[] x = z.primal().toArray();
        double[] nu = z.eqDual().toArray();
        double[] out = Arrays.copyOf(x, x.length + nu.length);
        System.arraycopy(nu, 0, out, x.length, nu.length);
        return out;
    }

    @Test
    void solvesTheKktSystemDenseMatrixFreeAndWithRefinement() {
        double[] expected = QpFixtures.equalityQp(Q, C, A, B, N, P);
        SolverResult<Kkt.Point<Tensor>, EqualityConstrainedQP.State> r = EqualityConstrainedQP.create().tol(1e-12)
                .run(problem(Q, C, A, B));
        assertTrue(r.converged());
        assertEquals(1, r.iterations(), "one KKT solve");
        assertTrue(QpFixtures.maxAbsDiff(flat(r.params()), expected) <= 1e-12, () -> Arrays.toString(flat(r.params())));
        double[] mf = flat(EqualityConstrainedQP.create().withMatrixFree(true).withLinearSolver(LinearSolver.gmres())
                .tol(1e-9).run(problem(Q, C, A, B)).params());
        assertTrue(QpFixtures.maxAbsDiff(mf, expected) <= 1e-8, () -> "matrix-free off by " + QpFixtures.maxAbsDiff(mf, expected));
        double[] refined = flat(EqualityConstrainedQP.create().withRefinement(2).tol(1e-13).run(problem(Q, C, A, B)).params());
        assertTrue(QpFixtures.maxAbsDiff(refined, expected) <= 1e-12);
    }

    @Test
    void unconstrainedIsTheLinearSolveOfQ() {
        double[] x = EqualityConstrainedQP.create().tol(1e-12)
                .run(new EqualityConstrainedQP.Problem(QpFixtures.matrix(Q, N, N), Tensor.of(C.clone()), null, null))
                .params().primal().toArray();
        double[] expected = dev.argdiff.testing.PlainLinearAlgebra.solve(QpFixtures.rows(Q, N, N),
                Arrays.stream(C).map(v -> -v).toArray());
        assertTrue(QpFixtures.maxAbsDiff(x, expected) <= 1e-12);
    }

    @Test
    void derivativeInCIsMinusTheInverseKktBlock() {
        // x*(c) = −[K⁻¹]_{xx} c + const: the Jacobian is −[K⁻¹]_{xx}, computed by plain elimination.
        double[][] k = QpFixtures.kkt(Q, A, N, P);
        double[][] identity = new double[N + P][N];
        for (int i = 0; i < N; i++) {
            identity[i][i] = 1;
        }
        double[][] inv = dev.argdiff.testing.PlainLinearAlgebra.solve(k, identity);
        EqualityConstrainedQP solver = EqualityConstrainedQP.create().tol(1e-12);
        Function<Tensor, Tensor> x = c -> solver.run(new EqualityConstrainedQP.Problem(QpFixtures.matrix(Q, N, N), c,
                QpFixtures.matrix(A, P, N), Tensor.of(B.clone()))).params().primal();
        double[] fwd = Autodiff.jacfwd(x).apply(Tensor.of(C.clone())).toArray();
        double[] rev = Autodiff.jacrev(x).apply(Tensor.of(C.clone())).toArray();
        double worst = 0;
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < N; j++) {
                worst = Math.max(worst, Math.abs(fwd[i * N + j] + inv[i][j]));
                worst = Math.max(worst, Math.abs(rev[i * N + j] + inv[i][j]));
            }
        }
        assertTrue(worst <= 1e-10, "jacobian in c off by " + worst);
        // Unrolled: the loop differentiated through its one linear solve gives the same Jacobian.
        Function<Tensor, Tensor> unrolled = c -> solver.implicitDiff(false).run(new EqualityConstrainedQP.Problem(
                QpFixtures.matrix(Q, N, N), c, QpFixtures.matrix(A, P, N), Tensor.of(B.clone()))).params().primal();
        double[] un = Autodiff.jacrev(unrolled).apply(Tensor.of(C.clone())).toArray();
        assertTrue(QpFixtures.maxAbsDiff(un, fwd) <= 1e-10);
    }

    @Test
    void anUnconvergedRunIsRefusedAndAConvergedOneOfTheSameSolverCertified() {
        // A three-iteration GMRES (failures ignored) on the 8×8 KKT system makes each update an inexact
        // correction: two updates stop short of tol, and the implicit derivative there must be refused.
        LinearSolver threeSteps = LinearSolver.gmres().with(LinearSolver.Options.defaults().withMaxiter(3)
                .withFailurePolicy(dev.argdiff.linalg.FailurePolicy.IGNORE));
        EqualityConstrainedQP inexact = EqualityConstrainedQP.create().withMatrixFree(true).withLinearSolver(threeSteps)
                .tol(1e-10);
        Function<Tensor, Tensor> stopped = c -> inexact.maxiter(2).run(new EqualityConstrainedQP.Problem(
                QpFixtures.matrix(Q, N, N), c, QpFixtures.matrix(A, P, N), Tensor.of(B.clone()))).params().primal();
        SolverResult<Kkt.Point<Tensor>, EqualityConstrainedQP.State> r = inexact.maxiter(2).run(problem(Q, C, A, B));
        assertEquals(SolverStatus.MAX_ITERATIONS, r.status());
        assertThrows(dev.argdiff.implicit.ImplicitDiffException.class,
                () -> Autodiff.jacfwd(stopped).apply(Tensor.of(C.clone())));
        assertThrows(dev.argdiff.implicit.ImplicitDiffException.class,
                () -> Autodiff.grad((Tensor c) -> stopped.apply(c).sum()).apply(Tensor.of(C.clone())));
        // The same inexact updates, run until tol: the derivative is certified and equals −[K⁻¹]_xx.
        double[][] inv = dev.argdiff.testing.PlainLinearAlgebra.solve(QpFixtures.kkt(Q, A, N, P), unitColumns());
        Function<Tensor, Tensor> converged = c -> inexact.maxiter(10_000).run(new EqualityConstrainedQP.Problem(
                QpFixtures.matrix(Q, N, N), c, QpFixtures.matrix(A, P, N), Tensor.of(B.clone()))).params().primal();
        double[] jac = Autodiff.jacfwd(converged).apply(Tensor.of(C.clone())).toArray();
        double worst = 0;
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < N; j++) {
                worst = Math.max(worst, Math.abs(jac[i * N + j] + inv[i][j]));
            }
        }
        assertTrue(worst <= 1e-7, "jacobian of the converged inexact run off by " + worst);
    }

    private static double[][] unitColumns() {
        double[][] identity = new double[N + P][N];
        for (int i = 0; i < N; i++) {
            identity[i][i] = 1;
        }
        return identity;
    }

    /** L(Q, c, A, b) = wᵀx* + uᵀν*, re-solved by plain elimination for the finite differences. */
    private static final double[] W = QpFixtures.gaussian(new Random(5), N);
    private static final double[] U = QpFixtures.gaussian(new Random(6), P);

    private static double plainLoss(double[] q, double[] c, double[] a, double[] b) {
        double[] z = QpFixtures.equalityQp(q, c, a, b, N, P);
        double s = 0;
        for (int i = 0; i < N; i++) {
            s += W[i] * z[i];
        }
        for (int r = 0; r < P; r++) {
            s += U[r] * z[N + r];
        }
        return s;
    }

    @Test
    void gradientWithRespectToAllDataMatchesFiniteDifferences() {
        EqualityConstrainedQP solver = EqualityConstrainedQP.create().tol(1e-12);
        Function<EqualityConstrainedQP.Problem, Tensor> loss = pr -> {
            Kkt.Point<Tensor> z = solver.run(pr).params();
            return z.primal().vdot(Tensor.of(W.clone())).add(z.eqDual().vdot(Tensor.of(U.clone())));
        };
        EqualityConstrainedQP.Problem g = Autodiff.grad(loss).apply(problem(Q, C, A, B));
        double h = 1e-6;
        double[][] data = {Q, C, A, B};
        double[][] grads = {g.q().toArray(), g.c().toArray(), g.a().toArray(), g.b().toArray()};
        for (int d = 0; d < 4; d++) {
            for (int i = 0; i < data[d].length; i++) {
                double[][] plus = copy(data);
                double[][] minus = copy(data);
                plus[d][i] += h;
                minus[d][i] -= h;
                if (d == 0) {
                    // Q stays symmetric: perturb (i, j) and (j, i) together, and compare with the sum of both entries.
                    int row = i / N;
                    int col = i % N;
                    if (row != col) {
                        plus[0][col * N + row] += h;
                        minus[0][col * N + row] -= h;
                    }
                }
                double fd = (plainLoss(plus[0], plus[1], plus[2], plus[3]) - plainLoss(minus[0], minus[1], minus[2], minus[3]))
                        / (2 * h);
                double implicit = grads[d][i];
                if (d == 0 && i / N != i % N) {
                    implicit += grads[0][(i % N) * N + i / N];
                }
                assertEquals(fd, implicit, 1e-6 * Math.max(1, Math.abs(fd)), "data " + d + " entry " + i);
            }
        }
    }

    private static double[][] copy(double[][] d) {
        double[][] c = new double[d.length][];
        for (int i = 0; i < d.length; i++) {
            c[i] = d[i].clone();
        }
        return c;
    }

    @Test
    void secondDerivativeAlongADataPathMatchesFiniteDifferences() {
        // Q(θ) = Q + θS, A(θ) = A + θE: x*(θ) is not polynomial, so its second derivative is a real test.
        Random rnd = new Random(21);
        double[] s = QpFixtures.spd(rnd, N, 0.0);
        double[] e = QpFixtures.gaussian(rnd, P * N);
        EqualityConstrainedQP solver = EqualityConstrainedQP.create().tol(1e-13);
        Function<Tensor, Tensor> x = t -> solver.run(new EqualityConstrainedQP.Problem(
                QpFixtures.matrix(Q, N, N).add(QpFixtures.matrix(s, N, N).mul(t)), Tensor.of(C.clone()),
                QpFixtures.matrix(A, P, N).add(QpFixtures.matrix(e, P, N).mul(t)), Tensor.of(B.clone())))
                .params().primal().vdot(Tensor.of(W.clone()));
        double theta = 0.3;
        double second = Autodiff.hessian(x).apply(Tensor.scalar(theta)).item();
        double h = 1e-3;
        double fd = (plainPath(s, e, theta + h) - 2 * plainPath(s, e, theta) + plainPath(s, e, theta - h)) / (h * h);
        assertEquals(fd, second, 1e-5 * Math.max(1, Math.abs(fd)));
        double first = Autodiff.grad(x).apply(Tensor.scalar(theta)).item();
        double fd1 = (plainPath(s, e, theta + h) - plainPath(s, e, theta - h)) / (2 * h);
        assertEquals(fd1, first, 1e-5 * Math.max(1, Math.abs(fd1)));
    }

    private static double plainPath(double[] s, double[] e, double t) {
        double[] q = Q.clone();
        double[] a = A.clone();
        for (int i = 0; i < q.length; i++) {
            q[i] += t * s[i];
        }
        for (int i = 0; i < a.length; i++) {
            a[i] += t * e[i];
        }
        double[] z = QpFixtures.equalityQp(q, C, a, B, N, P);
        double v = 0;
        for (int i = 0; i < N; i++) {
            v += W[i] * z[i];
        }
        return v;
    }

    @Test
    void refusesBadData() {
        double[] nonSymmetric = Q.clone();
        nonSymmetric[1] += 1;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EqualityConstrainedQP.create().run(problem(nonSymmetric, C, A, B)));
        assertTrue(e.getMessage().contains("q must be symmetric"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> EqualityConstrainedQP.create().run(
                new EqualityConstrainedQP.Problem(QpFixtures.matrix(Q, N, N), Tensor.of(C.clone()),
                        QpFixtures.matrix(A, P, N), Tensor.of(1.0))));
        assertTrue(e.getMessage().contains("b must have shape [2]"), e.getMessage());
        double[] nanC = C.clone();
        nanC[0] = Double.NaN;
        e = assertThrows(IllegalArgumentException.class, () -> EqualityConstrainedQP.create().run(problem(Q, nanC, A, B)));
        assertTrue(e.getMessage().contains("c holds a non-finite"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> EqualityConstrainedQP.Options.defaults().withRefinement(-1));
        assertTrue(e.getMessage().contains("refinement must be >= 0, got -1"), e.getMessage());
        // Dependent constraint rows: the KKT matrix is singular, and the solve says so instead of returning garbage.
        double[] dependent = A.clone();
        System.arraycopy(A, 0, dependent, N, N);
        assertThrows(dev.argdiff.linalg.SolveFailedException.class,
                () -> EqualityConstrainedQP.create().run(problem(Q, C, dependent, B)));
    }
}
