package dev.argdiff.linalg;

import static dev.argdiff.linalg.LinalgFixtures.flat;
import static dev.argdiff.linalg.LinalgFixtures.gaussian;
import static dev.argdiff.linalg.LinalgFixtures.gaussianVector;
import static dev.argdiff.linalg.LinalgFixtures.maxRelativeDifference;
import static dev.argdiff.linalg.LinalgFixtures.randomNonsymmetric;
import static dev.argdiff.linalg.LinalgFixtures.referenceSolve;
import static dev.argdiff.testing.PlainLinearAlgebra.matmul;
import static dev.argdiff.testing.PlainLinearAlgebra.matvec;
import static dev.argdiff.testing.PlainLinearAlgebra.transpose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.GradCheck;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The algebra of {@link LinearOperator} — plusIdentity, transpose (given and derived by reverse
 * mode), compose — checked product by product against dense matrices, and tag checking.
 */
class LinearOperatorTest {

    private static final int N = 7;
    private static final double TOL = 1e-13;

    private final double[][] a = gaussian(61, N, N);
    private final double[][] c = gaussian(62, N, N);
    private final double[] v = gaussianVector(63, N);
    private final Tensor aT = Tensor.of(a);
    private final Tensor cT = Tensor.of(c);

    /** The same matrix as a matrix-free operator, without a transpose (derived when needed). */
    private LinearOperator<Tensor> matrixFree(Tensor m) {
        return LinearOperator.fromMatvec(m, (Tensor p, Tensor x) -> p.matmul(x), Tensor.zeros(N));
    }

    private void assertProduct(LinearOperator<Tensor> op, double[][] expected) {
        assertClose(op.apply(Tensor.of(v)).toArray(), matvec(expected, v));
        assertClose(op.toDenseArray(), flat(expected));
        double[] diag = new double[N];
        for (int i = 0; i < N; i++) {
            diag[i] = expected[i][i];
        }
        assertClose(op.diagonal(), diag);
    }

    private static void assertClose(double[] actual, double[] expected) {
        double d = maxRelativeDifference(actual, expected);
        assertTrue(d <= TOL, "max relative difference " + d);
    }

    private static double[][] plusI(double[][] m, double r) {
        double[][] out = new double[m.length][];
        for (int i = 0; i < m.length; i++) {
            out[i] = m[i].clone();
            out[i][i] += r;
        }
        return out;
    }

    // ------------------------------------------------------------------ plain products

    @Test
    void matrixAndMatvecOperatorsAreTheMatrix() {
        assertProduct(LinearOperator.fromMatrix(aT), a);
        assertProduct(matrixFree(aT), a);
        assertProduct(LinearOperator.fromMatvec((Tensor x) -> aT.matmul(x), Tensor.zeros(N)), a);
        assertEquals(N, LinearOperator.fromMatrix(aT).size());
    }

    // ------------------------------------------------------------------ plusIdentity

    @Test
    void plusIdentityAddsToTheDiagonal() {
        assertProduct(LinearOperator.fromMatrix(aT).plusIdentity(2.5), plusI(a, 2.5));
        assertProduct(matrixFree(aT).plusIdentity(-0.5), plusI(a, -0.5));
        assertProduct(matrixFree(aT).plusIdentity(1).plusIdentity(2), plusI(a, 3));
        assertEquals(3.0, matrixFree(aT).plusIdentity(1).plusIdentity(2).shift());
    }

    @Test
    void plusIdentityRefusesNonFiniteRidge() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LinearOperator.fromMatrix(aT).plusIdentity(Double.NaN));
        assertEquals("LinearOperator.plusIdentity: ridge must be finite, got NaN", e.getMessage());
    }

    // ------------------------------------------------------------------ transpose

    @Test
    void transposeOfAMatrix() {
        assertProduct(LinearOperator.fromMatrix(aT).transpose(), transpose(a));
        assertProduct(LinearOperator.fromMatrix(aT).transpose().transpose(), a);
        assertProduct(LinearOperator.fromMatrix(aT).plusIdentity(0.3).transpose(), plusI(transpose(a), 0.3));
    }

    @Test
    void givenTransposeIsUsed() {
        AtomicInteger calls = new AtomicInteger();
        LinearOperator<Tensor> op = matrixFree(aT).withTranspose((Tensor p, Tensor w) -> {
            calls.incrementAndGet();
            return p.transposeMatmul(w);
        });
        assertProduct(op.transpose(), transpose(a));
        assertTrue(calls.get() > 0, "the given transpose was not called");
        assertProduct(op.transpose().transpose(), a);
    }

    @Test
    void derivedTransposeIsTheTranspose() {
        assertProduct(matrixFree(aT).transpose(), transpose(a));
        assertProduct(matrixFree(aT).transpose().transpose(), a);
        assertProduct(matrixFree(aT).plusIdentity(-1.25).transpose(), plusI(transpose(a), -1.25));
        // a nonlinear-looking but linear matvec: tanh(0)·x + A·x
        LinearOperator<Tensor> odd = LinearOperator.fromMatvec((Tensor x) -> aT.matmul(x).add(
                x.mul(Tensor.zeros(N).tanh())), Tensor.zeros(N));
        assertProduct(odd.transpose(), transpose(a));
    }

    @Test
    void derivedTransposeIsDifferentiableInTheParameters() {
        // w ↦ ⟨Aᵀw, z⟩ has gradient in A equal to w·zᵀ, through the reverse-mode derived transpose
        double[] w = gaussianVector(64, N);
        double[] z = gaussianVector(65, N);
        Tensor g = Autodiff.grad((Tensor p) -> matrixFree(p).transpose().apply(Tensor.of(w)).vdot(Tensor.of(z)))
                .apply(aT);
        double[] expected = new double[N * N];
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < N; j++) {
                expected[i * N + j] = w[i] * z[j];
            }
        }
        assertClose(g.toArray(), expected);
    }

    // ------------------------------------------------------------------ compose

    @Test
    void composeAppliesTheInnerOperatorFirst() {
        assertProduct(LinearOperator.fromMatrix(aT).compose(LinearOperator.fromMatrix(cT)), matmul(a, c));
        assertProduct(matrixFree(aT).compose(matrixFree(cT)), matmul(a, c));
        assertProduct(LinearOperator.fromMatrix(aT).plusIdentity(1).compose(matrixFree(cT).plusIdentity(2)),
                matmul(plusI(a, 1), plusI(c, 2)));
    }

    @Test
    void transposeOfACompositionIsTheReversedCompositionOfTransposes() {
        assertProduct(LinearOperator.fromMatrix(aT).compose(matrixFree(cT)).transpose(),
                matmul(transpose(c), transpose(a)));
        assertProduct(matrixFree(aT).plusIdentity(0.5).compose(matrixFree(cT)).transpose(),
                matmul(transpose(c), plusI(transpose(a), 0.5)));
    }

    @Test
    void composeKeepsBothParametersDifferentiable() {
        double[][] a2 = randomNonsymmetric(66, N);
        double[][] c2 = randomNonsymmetric(67, N);
        double[] b = gaussianVector(68, N);
        Function<List<Tensor>, Tensor> f = in -> LinearSolve.solve(
                matrixFree(in.get(0)).compose(LinearOperator.fromMatrix(in.get(1))), Tensor.of(b),
                LinearSolver.gmres().withRtol(1e-12));
        double[] x = f.apply(List.of(Tensor.of(a2), Tensor.of(c2))).toArray();
        assertTrue(maxRelativeDifference(x, referenceSolve(matmul(a2, c2), b)) <= 1e-10);
        GradCheck.checkGrads(f, List.of(Tensor.of(a2), Tensor.of(c2)), 1, new GradCheck.Options(1e-5, 1e-6, 1e-8, 3));
    }

    @Test
    void composeRefusesMismatchedSizes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LinearOperator.fromMatrix(aT).compose(LinearOperator.fromMatrix(Tensor.eye(3))));
        assertEquals("LinearOperator.compose: sizes 7 and 3 differ", e.getMessage());
    }

    // ------------------------------------------------------------------ tags and construction

    @Test
    void symmetricTagOnAnAsymmetricMatrixIsRefused() {
        Tensor m = Tensor.of(new double[][] {{1, 2, 0}, {3, 1, 0}, {0, 0, 1}});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LinearOperator.fromMatrix(m).withTags(Tag.SYMMETRIC));
        assertEquals("LinearOperator.withTags: matrix declared SYMMETRIC is not: entry (0, 1) = 2.0 but (1, 0) = 3.0",
                e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> LinearOperator.fromMatrix(m).transpose().withTags(Tag.SYMMETRIC, Tag.POSITIVE_DEFINITE));
        assertThrows(IllegalArgumentException.class,
                () -> LinearOperator.fromMatrix(m).plusIdentity(4).withTags(Tag.SYMMETRIC));
    }

    @Test
    void symmetricTagOnASymmetricMatrixIsKept() {
        double[][] s = LinalgFixtures.randomSpd(69, N);
        s[0][1] *= 1 + 1e-15;      // rounding-level asymmetry is accepted
        LinearOperator<Tensor> op = LinearOperator.fromMatrix(Tensor.of(s)).withTags(Tag.SYMMETRIC, Tag.POSITIVE_DEFINITE);
        assertTrue(op.has(Tag.SYMMETRIC));
        assertTrue(op.has(Tag.POSITIVE_DEFINITE));
        assertEquals(java.util.Set.of(Tag.SYMMETRIC, Tag.POSITIVE_DEFINITE), op.tags());
        assertTrue(op.plusIdentity(1).has(Tag.SYMMETRIC));
        assertTrue(op.transpose().has(Tag.SYMMETRIC));
    }

    @Test
    void constructionRefusesBadArguments() {
        assertEquals("LinearOperator.fromMatrix: needs a square matrix, got shape [2, 3]",
                assertThrows(IllegalArgumentException.class,
                        () -> LinearOperator.fromMatrix(Tensor.zeros(2, 3))).getMessage());
        assertEquals("LinearOperator.fromMatrix: needs a square matrix, got shape [4]",
                assertThrows(IllegalArgumentException.class,
                        () -> LinearOperator.fromMatrix(Tensor.zeros(4))).getMessage());
        assertThrows(IllegalArgumentException.class, () -> LinearOperator.fromMatrix(null));
        assertThrows(IllegalArgumentException.class,
                () -> LinearOperator.fromMatvec((Function<Tensor, Tensor>) null, Tensor.zeros(3)));
        assertThrows(IllegalArgumentException.class,
                () -> LinearOperator.fromMatvec((Tensor x) -> x, (Tensor) null));
        assertThrows(IllegalArgumentException.class,
                () -> LinearOperator.fromMatvec((List<Tensor> x) -> x, List.<Tensor>of()));
    }
}
