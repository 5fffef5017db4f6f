package dev.argdiff.linalg;

import static dev.argdiff.linalg.LinalgFixtures.gaussianVector;
import static dev.argdiff.linalg.LinalgFixtures.maxRelativeDifference;
import static dev.argdiff.linalg.LinalgFixtures.randomNonsymmetric;
import static dev.argdiff.linalg.LinalgFixtures.randomSpd;
import static dev.argdiff.linalg.LinalgFixtures.referenceSolve;
import static dev.argdiff.linalg.LinalgFixtures.relativeError;
import static dev.argdiff.testing.PlainLinearAlgebra.transpose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.GradCheck;
import dev.argdiff.ad.Pytree;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Operators on trees: a coupled operator on a record of two tensors solves the same system as
 * the matrix of its flattened vector, and derivatives with respect to its parameters (a record
 * of blocks) and its right-hand side (a record) match finite differences.
 */
class TreeOperatorTest {

    /** The unknowns: two blocks of different shapes (a vector and a matrix). */
    record Pair(Tensor a, Tensor b) {
    }

    /** The parameters of the operator [[S(aa), ab], [abᵀ, S(bb)]] with S(m) = (m + mᵀ)/2. */
    record Blocks(Tensor aa, Tensor ab, Tensor bb) {
    }

    private static final int NA = 30;
    private static final int NB_ROWS = 4;
    private static final int NB_COLS = 5;
    private static final int NB = NB_ROWS * NB_COLS;
    private static final int N = NA + NB;

    /** K·(a, b) for K = [[S(aa), ab], [abᵀ, S(bb)]], the b block (a matrix) flattened row-major. */
    private static Pair coupledMatvec(Blocks p, Pair v) {
        Tensor vb = v.b().reshape(-1);
        Tensor aa = p.aa().add(p.aa().transpose()).mul(0.5);
        Tensor bb = p.bb().add(p.bb().transpose()).mul(0.5);
        Tensor outA = aa.matmul(v.a()).add(p.ab().matmul(vb));
        Tensor outB = p.ab().transposeMatmul(v.a()).add(bb.matmul(vb));
        return new Pair(outA, outB.reshape(v.b().shape()));
    }

    private static Blocks blocksOf(double[][] k, int na, int nb) {
        double[][] aa = new double[na][na];
        double[][] ab = new double[na][nb];
        double[][] bb = new double[nb][nb];
        for (int i = 0; i < na + nb; i++) {
            for (int j = 0; j < na + nb; j++) {
                if (i < na && j < na) {
                    aa[i][j] = k[i][j];
                } else if (i < na) {
                    ab[i][j - na] = k[i][j];
                } else if (j >= na) {
                    bb[i - na][j - na] = k[i][j];
                }
            }
        }
        return new Blocks(Tensor.of(aa), Tensor.of(ab), Tensor.of(bb));
    }

    private static Pair split(double[] flat, int na, int rows, int cols) {
        return new Pair(Tensor.of(java.util.Arrays.copyOfRange(flat, 0, na)),
                Tensor.of(new int[] {rows, cols}, java.util.Arrays.copyOfRange(flat, na, flat.length)));
    }

    private static LinearOperator<Pair> coupled(Blocks p, int na, int rows, int cols) {
        Pair like = new Pair(Tensor.zeros(na), Tensor.zeros(rows, cols));
        return LinearOperator.fromMatvec(p, TreeOperatorTest::coupledMatvec, like);
    }

    @Test
    void cgOnTheTreeMatchesCgOnTheFlattenedVector() {
        double[][] k = randomSpd(51, N);
        double[] rhs = gaussianVector(52, N);
        LinearOperator<Pair> tree = coupled(blocksOf(k, NA, NB), NA, NB_ROWS, NB_COLS)
                .withTags(Tag.SYMMETRIC, Tag.POSITIVE_DEFINITE);
        LinearSolver cg = LinearSolver.cg().withRtol(1e-12);

        LinearSolve.Solution<Pair> onTree = LinearSolve.solveWithInfo(tree, split(rhs, NA, NB_ROWS, NB_COLS), null, cg);
        LinearSolve.Solution<Tensor> onFlat = LinearSolve.solveWithInfo(LinearOperator.fromMatrix(Tensor.of(k)),
                Tensor.of(rhs), null, cg);

        assertInstanceOf(Pair.class, onTree.x());
        assertEquals(List.of(NB_ROWS, NB_COLS), List.of(onTree.x().b().shape()[0], onTree.x().b().shape()[1]));
        double[] xTree = Pytree.toArray(onTree.x());
        assertTrue(relativeError(xTree, onFlat.x().toArray()) <= 1e-10);
        assertTrue(relativeError(xTree, referenceSolve(k, rhs)) <= 1e-10);
        assertEquals(N, onTree.info().size());
        // the same algorithm on the same numbers in the same order
        assertEquals(onFlat.info().iterations(), onTree.info().iterations());
    }

    @Test
    void everyMethodWorksOnTheTree() {
        double[][] k = randomSpd(51, N);
        double[] rhs = gaussianVector(52, N);
        double[] expected = referenceSolve(k, rhs);
        LinearOperator<Pair> tree = coupled(blocksOf(k, NA, NB), NA, NB_ROWS, NB_COLS)
                .withTags(Tag.SYMMETRIC, Tag.POSITIVE_DEFINITE);
        for (Method m : Method.values()) {
            LinearSolve.Solution<Pair> s = LinearSolve.solveWithInfo(tree, split(rhs, NA, NB_ROWS, NB_COLS), null,
                    LinalgFixtures.solverFor(m).withRtol(1e-12));
            assertTrue(relativeError(Pytree.toArray(s.x()), expected) <= 1e-9, m + ": " + s.info().summary());
        }
    }

    @Test
    void denseViewOfTheTreeOperatorIsTheMatrix() {
        double[][] k = randomSpd(51, N);
        LinearOperator<Pair> tree = coupled(blocksOf(k, NA, NB), NA, NB_ROWS, NB_COLS);
        assertEquals(0.0, maxRelativeDifference(tree.toDenseArray(), LinalgFixtures.flat(k)), 1e-15);
        double[] diag = new double[N];
        for (int i = 0; i < N; i++) {
            diag[i] = k[i][i];
        }
        assertEquals(0.0, maxRelativeDifference(tree.diagonal(), diag), 1e-15);
    }

    // ------------------------------------------------------------------ derivatives

    private static final int SA = 3;
    private static final int SR = 2;
    private static final int SC = 2;
    private static final int SN = SA + SR * SC;

    /** A small SPD problem for finite differences: params, right-hand side, a loss on the solution. */
    private static Tensor loss(Pair x) {
        return x.a().tanh().sum().add(x.b().square().mul(Tensor.of(new double[][] {{1, 2}, {3, 4}})).sum());
    }

    @Test
    void gradientsWithRespectToOperatorParamsMatchFiniteDifferences() {
        Blocks params = blocksOf(randomSpd(53, SN), SA, SR * SC);
        Pair rhs = split(gaussianVector(54, SN), SA, SR, SC);
        LinearSolver cg = LinearSolver.cg().withRtol(1e-12);
        Function<Blocks, Tensor> f = p -> loss(LinearSolve.solve(
                coupled(p, SA, SR, SC).withTags(Tag.SYMMETRIC, Tag.POSITIVE_DEFINITE), rhs, cg));
        GradCheck.checkGrads(f, params, 2, new GradCheck.Options(1e-5, 1e-6, 1e-8, 7));

        Blocks g = Autodiff.grad(f).apply(params);
        assertInstanceOf(Blocks.class, g);
        // central differences entry by entry of the coupling block
        double[] ab = params.ab().toArray();
        double[] gab = g.ab().toArray();
        for (int i = 0; i < ab.length; i++) {
            double[] plus = ab.clone();
            double[] minus = ab.clone();
            plus[i] += 1e-5;
            minus[i] -= 1e-5;
            double fd = (f.apply(new Blocks(params.aa(), Tensor.of(params.ab().shape(), plus), params.bb())).item()
                    - f.apply(new Blocks(params.aa(), Tensor.of(params.ab().shape(), minus), params.bb())).item()) / 2e-5;
            assertEquals(fd, gab[i], 1e-7 * Math.max(1, Math.abs(fd)),
                    String.format(Locale.ROOT, "∂/∂ab[%d]", i));
        }
    }

    @Test
    void gradientWithRespectToATreeRightHandSideIsTheAdjointSolution() {
        double[][] k = randomSpd(53, SN);
        Blocks params = blocksOf(k, SA, SR * SC);
        Pair rhs = split(gaussianVector(54, SN), SA, SR, SC);
        LinearOperator<Pair> op = coupled(params, SA, SR, SC);
        Pair c = split(gaussianVector(55, SN), SA, SR, SC);
        Pair g = Autodiff.grad((Pair bb) -> Pytree.vdot(LinearSolve.solve(op, bb, LinearSolver.cg().withRtol(1e-12)), c))
                .apply(rhs);
        assertInstanceOf(Pair.class, g);
        double[] expected = referenceSolve(transpose(k), Pytree.toArray(c));
        assertTrue(maxRelativeDifference(Pytree.toArray(g), expected) <= 1e-9);
    }

    /** A nonsymmetric tree operator without a given transpose: the adjoint solve uses the derived one. */
    @Test
    void nonsymmetricTreeOperatorDerivativesUseTheDerivedTranspose() {
        double[][] m = randomNonsymmetric(56, SN);
        Tensor mm = Tensor.of(m);
        Pair like = new Pair(Tensor.zeros(SA), Tensor.zeros(SR, SC));
        // x ↦ M·flat(x), with M a parameter and the unknowns split across the record
        LinearOperator<Pair> op = LinearOperator.fromMatvec(mm, (Tensor p, Pair v) -> {
            Tensor flat = Tensor.concatenate(List.of(v.a(), v.b().reshape(-1)), 0);
            Tensor y = p.matmul(flat);
            return new Pair(y.slice(0, 0, SA), y.slice(0, SA, SN).reshape(SR, SC));
        }, like);
        Pair rhs = split(gaussianVector(57, SN), SA, SR, SC);
        for (LinearSolver solver : List.of(LinearSolver.gmres().withRtol(1e-12), LinearSolver.bicgstab().withRtol(1e-12),
                LinearSolver.lu())) {
            Function<List<Object>, Tensor> f = in -> loss(LinearSolve.solve(op.withParams(in.get(0)), (Pair) in.get(1), solver));
            GradCheck.checkGrads(f, List.of(mm, rhs), 2, new GradCheck.Options(1e-5, 1e-6, 1e-8, 9));
        }
        double[] x = Pytree.toArray(LinearSolve.solve(op, rhs, LinearSolver.gmres().withRtol(1e-12)));
        assertTrue(relativeError(x, referenceSolve(m, Pytree.toArray(rhs))) <= 1e-10);
    }
}
