package dev.argdiff.linalg;

import static dev.argdiff.linalg.LinalgFixtures.flat;
import static dev.argdiff.linalg.LinalgFixtures.gaussian;
import static dev.argdiff.linalg.LinalgFixtures.gaussianVector;
import static dev.argdiff.linalg.LinalgFixtures.maxRelativeDifference;
import static dev.argdiff.linalg.LinalgFixtures.needsSpd;
import static dev.argdiff.linalg.LinalgFixtures.randomNonsymmetric;
import static dev.argdiff.linalg.LinalgFixtures.randomSpd;
import static dev.argdiff.linalg.LinalgFixtures.referenceInverse;
import static dev.argdiff.linalg.LinalgFixtures.referenceSolve;
import static dev.argdiff.linalg.LinalgFixtures.solverFor;
import static dev.argdiff.linalg.LinalgFixtures.symmetrize;
import static dev.argdiff.testing.PlainLinearAlgebra.matvec;
import static dev.argdiff.testing.PlainLinearAlgebra.transpose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.GradCheck;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Derivatives through {@link LinearSolve#solve}, for every method, with respect to b and to the
 * matrix, against the closed form dx = A⁻¹(db − dA·x), against central finite differences at
 * first and second order, and for the Jacobians against A⁻¹ and −A⁻¹ ⊗ x.
 *
 * <p>The CG and Cholesky cases parameterize a symmetric A = (P + Pᵀ)/2 so that every
 * perturbation of the parameter stays symmetric; the closed forms are then those of P ↦ A.
 */
class LinearSolveDerivativeTest {

    private static final int N = 5;
    /** The solves run at rtol 1e-12, so the implicit derivatives are accurate to about 1e-11. */
    private static final double EXACT = 1e-9;
    /** Central differences with step 1e-5 are accurate to about 1e-9 here. */
    private static final double FD = 1e-6;
    private static final double EPS = 1e-5;

    /** The test problem of one method: P, the matrix A(P) it defines, b and the solver. */
    private static final class Problem {
        final Method method;
        final boolean spd;
        final double[][] p;
        final double[][] a;
        final double[] b;
        final double[] x;
        final double[][] inv;
        final LinearSolver solver;

        Problem(Method method) {
            this.method = method;
            this.spd = needsSpd(method);
            this.p = spd ? randomSpd(41, N) : randomNonsymmetric(42, N);
            this.a = spd ? symmetrize(p) : p;
            this.b = gaussianVector(43, N);
            this.x = referenceSolve(a, b);
            this.inv = referenceInverse(a);
            this.solver = solverFor(method).withRtol(1e-12);
        }

        /** The differentiable matrix A(P). */
        Tensor matrix(Tensor pp) {
            return spd ? pp.add(pp.transpose()).mul(0.5) : pp;
        }

        LinearOperator<Tensor> operator(Tensor pp) {
            LinearOperator<Tensor> op = LinearOperator.fromMatrix(matrix(pp));
            return spd ? op.withTags(Tag.SYMMETRIC, Tag.POSITIVE_DEFINITE) : op;
        }

        Tensor solve(Tensor pp, Tensor bb) {
            return LinearSolve.solve(operator(pp), bb, solver);
        }

        Tensor pTensor() {
            return Tensor.of(p);
        }

        Tensor bTensor() {
            return Tensor.of(b);
        }

        /** The closed-form gradient of P ↦ c·x(P) given u = A⁻ᵀc: −u·xᵀ, symmetrized for symmetric A(P). */
        double[][] gradMatrix(double[] u) {
            double[][] g = new double[N][N];
            for (int i = 0; i < N; i++) {
                for (int j = 0; j < N; j++) {
                    g[i][j] = -u[i] * x[j];
                }
            }
            return spd ? symmetrize(g) : g;
        }
    }

    // ------------------------------------------------------------------ closed forms

    @ParameterizedTest
    @EnumSource(value = Method.class, names = "AUTO", mode = EnumSource.Mode.EXCLUDE)
    void gradientWithRespectToBIsTheAdjointSolution(Method method) {
        Problem pr = new Problem(method);
        Tensor pT = pr.pTensor();
        double[] c = gaussianVector(44, N);
        Tensor cT = Tensor.of(c);
        Tensor g = Autodiff.grad((Tensor bb) -> pr.solve(pT, bb).vdot(cT)).apply(pr.bTensor());
        double[] expected = referenceSolve(transpose(pr.a), c);
        assertClose(g.toArray(), expected, EXACT, method + " ∇_b");
    }

    @ParameterizedTest
    @EnumSource(value = Method.class, names = "AUTO", mode = EnumSource.Mode.EXCLUDE)
    void gradientWithRespectToTheMatrixIsMinusUXTransposed(Method method) {
        Problem pr = new Problem(method);
        Tensor bT = pr.bTensor();
        double[] c = gaussianVector(44, N);
        Tensor cT = Tensor.of(c);
        Tensor g = Autodiff.grad((Tensor pp) -> pr.solve(pp, bT).vdot(cT)).apply(pr.pTensor());
        double[] u = referenceSolve(transpose(pr.a), c);
        assertClose(g.toArray(), flat(pr.gradMatrix(u)), EXACT, method + " ∇_A");
    }

    @ParameterizedTest
    @EnumSource(value = Method.class, names = "AUTO", mode = EnumSource.Mode.EXCLUDE)
    void jvpIsTheSolutionOfTheTangentSystem(Method method) {
        Problem pr = new Problem(method);
        double[][] dp = gaussian(45, N, N);
        double[] db = gaussianVector(46, N);
        Autodiff.JvpResult<Tensor> r = Autodiff.jvp((List<Tensor> in) -> pr.solve(in.get(0), in.get(1)),
                List.of(pr.pTensor(), pr.bTensor()), List.of(Tensor.of(dp), Tensor.of(db)));
        double[][] da = pr.spd ? symmetrize(dp) : dp;
        double[] daX = matvec(da, pr.x);
        double[] rhs = new double[N];
        for (int i = 0; i < N; i++) {
            rhs[i] = db[i] - daX[i];
        }
        assertClose(r.value().toArray(), pr.x, EXACT, method + " primal");
        assertClose(r.tangent().toArray(), referenceSolve(pr.a, rhs), EXACT, method + " dx = A⁻¹(db − dA·x)");
    }

    @ParameterizedTest
    @EnumSource(value = Method.class, names = "AUTO", mode = EnumSource.Mode.EXCLUDE)
    void jacobianWithRespectToBIsTheInverse(Method method) {
        Problem pr = new Problem(method);
        Tensor pT = pr.pTensor();
        Function<Tensor, Tensor> f = bb -> pr.solve(pT, bb);
        Tensor fwd = Autodiff.jacfwd(f).apply(pr.bTensor());
        Tensor rev = Autodiff.jacrev(f).apply(pr.bTensor());
        assertArrayEquals(new int[] {N, N}, fwd.shape());
        assertArrayEquals(new int[] {N, N}, rev.shape());
        assertClose(fwd.toArray(), flat(pr.inv), EXACT, method + " jacfwd = A⁻¹");
        assertClose(rev.toArray(), flat(pr.inv), EXACT, method + " jacrev = A⁻¹");
    }

    @ParameterizedTest
    @EnumSource(value = Method.class, names = "AUTO", mode = EnumSource.Mode.EXCLUDE)
    void jacobianWithRespectToTheMatrixIsMinusInverseTimesX(Method method) {
        Problem pr = new Problem(method);
        Tensor bT = pr.bTensor();
        Function<Tensor, Tensor> f = pp -> pr.solve(pp, bT);
        Tensor fwd = Autodiff.jacfwd(f).apply(pr.pTensor());
        Tensor rev = Autodiff.jacrev(f).apply(pr.pTensor());
        assertArrayEquals(new int[] {N, N, N}, fwd.shape());
        // ∂xᵢ/∂Aⱼₖ = −(A⁻¹)ᵢⱼ·xₖ; through A = (P + Pᵀ)/2 it is the average of the (j, k) and (k, j) terms.
        double[] expected = new double[N * N * N];
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < N; j++) {
                for (int k = 0; k < N; k++) {
                    double jk = -pr.inv[i][j] * pr.x[k];
                    double kj = -pr.inv[i][k] * pr.x[j];
                    expected[(i * N + j) * N + k] = pr.spd ? 0.5 * (jk + kj) : jk;
                }
            }
        }
        assertClose(fwd.toArray(), expected, EXACT, method + " jacfwd = −A⁻¹ ⊗ x");
        assertClose(rev.toArray(), expected, EXACT, method + " jacrev = −A⁻¹ ⊗ x");
    }

    // ------------------------------------------------------------------ finite differences

    @ParameterizedTest
    @EnumSource(value = Method.class, names = "AUTO", mode = EnumSource.Mode.EXCLUDE)
    void firstAndSecondOrderMatchFiniteDifferences(Method method) {
        Problem pr = new Problem(method);
        Function<List<Tensor>, Tensor> f = in -> pr.solve(in.get(0), in.get(1)).tanh();
        GradCheck.checkGrads(f, List.of(pr.pTensor(), pr.bTensor()), 2, new GradCheck.Options(EPS, FD, 1e-8, 5));
    }

    @ParameterizedTest
    @EnumSource(value = Method.class, names = "AUTO", mode = EnumSource.Mode.EXCLUDE)
    void gradientWithRespectToBMatchesFiniteDifferences(Method method) {
        Problem pr = new Problem(method);
        Tensor pT = pr.pTensor();
        Function<Tensor, Tensor> loss = bb -> pr.solve(pT, bb).tanh().sum();
        double[] g = Autodiff.grad(loss).apply(pr.bTensor()).toArray();
        double[] fd = new double[N];
        for (int j = 0; j < N; j++) {
            fd[j] = centralDifference(loss, pr.b, j).item();
        }
        assertClose(g, fd, FD, method + " ∇_b vs finite differences");
    }

    @ParameterizedTest
    @EnumSource(value = Method.class, names = "AUTO", mode = EnumSource.Mode.EXCLUDE)
    void hessianWithRespectToBMatchesClosedFormAndFiniteDifferencesOfTheGradient(Method method) {
        Problem pr = new Problem(method);
        Tensor pT = pr.pTensor();
        Function<Tensor, Tensor> loss = bb -> pr.solve(pT, bb).tanh().sum();
        Function<Tensor, Tensor> grad = Autodiff.grad(loss);
        Tensor h = Autodiff.hessian(loss).apply(pr.bTensor());
        assertArrayEquals(new int[] {N, N}, h.shape());

        // H = A⁻ᵀ·diag(−2t(1 − t²))·A⁻¹ with t = tanh(x)
        double[] expected = new double[N * N];
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < N; j++) {
                double s = 0;
                for (int k = 0; k < N; k++) {
                    double t = Math.tanh(pr.x[k]);
                    s += pr.inv[k][i] * (-2 * t * (1 - t * t)) * pr.inv[k][j];
                }
                expected[i * N + j] = s;
            }
        }
        assertClose(h.toArray(), expected, EXACT, method + " Hessian closed form");

        double[] fd = new double[N * N];
        for (int j = 0; j < N; j++) {
            double[] col = centralDifference(grad, pr.b, j).toArray();
            for (int i = 0; i < N; i++) {
                fd[i * N + j] = col[i];
            }
        }
        assertClose(h.toArray(), fd, FD, method + " Hessian vs finite differences of the gradient");
    }

    @ParameterizedTest
    @EnumSource(value = Method.class, names = "AUTO", mode = EnumSource.Mode.EXCLUDE)
    void hessianVectorProductWithRespectToTheMatrixMatchesFiniteDifferencesOfTheGradient(Method method) {
        Problem pr = new Problem(method);
        Tensor bT = pr.bTensor();
        Function<Tensor, Tensor> loss = pp -> pr.solve(pp, bT).tanh().sum();
        Function<Tensor, Tensor> grad = Autodiff.grad(loss);
        Tensor p = pr.pTensor();
        Tensor v = Tensor.of(gaussian(47, N, N));
        Tensor hvp = Autodiff.jvp(grad, p, v).tangent();
        Tensor fd = grad.apply(p.add(v.mul(EPS))).sub(grad.apply(p.sub(v.mul(EPS)))).div(2 * EPS);
        assertClose(hvp.toArray(), fd.toArray(), FD, method + " jvp-of-grad (A) vs finite differences");
        assertClose(Autodiff.hvp(loss, p, v).toArray(), hvp.toArray(), 1e-12, method + " hvp = jvp(grad)");
    }

    @ParameterizedTest
    @EnumSource(value = Method.class, names = {"LU", "CG", "GMRES"})
    void gradOfGradWithRespectToBMatchesTheClosedForm(Method method) {
        // h(b) = ½‖A⁻¹b‖² has Hessian A⁻ᵀA⁻¹: reverse over reverse
        Problem pr = new Problem(method);
        Tensor pT = pr.pTensor();
        Function<Tensor, Tensor> h = bb -> pr.solve(pT, bb).squaredNorm().mul(0.5);
        double[] v = gaussianVector(48, N);
        Tensor vT = Tensor.of(v);
        Tensor hv = Autodiff.grad((Tensor bb) -> Autodiff.grad(h).apply(bb).vdot(vT)).apply(pr.bTensor());
        double[] expected = matvec(transpose(pr.inv), matvec(pr.inv, v));
        assertClose(hv.toArray(), expected, EXACT, method + " grad-of-grad");
    }

    // ------------------------------------------------------------------ helpers

    /** (f(b + ε·e_j) − f(b − ε·e_j)) / 2ε. */
    private static Tensor centralDifference(Function<Tensor, Tensor> f, double[] b, int j) {
        double[] plus = b.clone();
        double[] minus = b.clone();
        plus[j] += EPS;
        minus[j] -= EPS;
        return f.apply(Tensor.of(plus)).sub(f.apply(Tensor.of(minus))).div(2 * EPS);
    }

    private static void assertClose(double[] actual, double[] expected, double tol, String what) {
        double d = maxRelativeDifference(actual, expected);
        assertTrue(d <= tol, String.format(Locale.ROOT, "%s: max relative difference %.3e > %.1e", what, d, tol));
    }
}
