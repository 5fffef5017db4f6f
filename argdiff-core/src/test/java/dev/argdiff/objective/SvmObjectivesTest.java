package dev.argdiff.objective;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.objective.Objectives.Data;
import dev.argdiff.projection.Projection;
import dev.argdiff.solvers.BlockCoordinateDescent;
import dev.argdiff.solvers.SolverResult;
import dev.argdiff.tensor.ShapeException;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The multiclass linear SVM dual against plain loops: its value, its gradient against central
 * finite differences, and its optimum against the primal problem written here (zero duality gap,
 * and a primal minimum that no perturbation of W improves).
 */
class SvmObjectivesTest {

    private static final int N = 9;
    private static final int D = 3;
    private static final int K = 4;
    private static final double[][] XV = Tensor.randomNormal(11, N, D).toArray2d();
    private static final int[] LABELS = {0, 1, 2, 3, 0, 1, 2, 3, 1};

    private static Data data() {
        double[] y = new double[N];
        for (int i = 0; i < N; i++) {
            y[i] = LABELS[i];
        }
        return Data.of(Tensor.of(XV), Tensor.of(y));
    }

    /** Rows in the simplex, from a seed. */
    private static double[][] randomSimplexRows(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[][] b = new double[N][K];
        for (int i = 0; i < N; i++) {
            double sum = 0;
            for (int j = 0; j < K; j++) {
                b[i][j] = rng.nextDouble() + 0.05;
                sum += b[i][j];
            }
            for (int j = 0; j < K; j++) {
                b[i][j] /= sum;
            }
        }
        return b;
    }

    /** f(β) = 1/(2λ)·‖Xᵀ(Y − β)‖² + ⟨β, Y − 1⟩, by loops. */
    private static double dualByLoops(double[][] beta, double lambda, double[][] x) {
        double sq = 0;
        for (int f = 0; f < D; f++) {
            for (int j = 0; j < K; j++) {
                double v = 0;
                for (int i = 0; i < N; i++) {
                    v += x[i][f] * ((LABELS[i] == j ? 1 : 0) - beta[i][j]);
                }
                sq += v * v;
            }
        }
        double lin = 0;
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < K; j++) {
                lin += beta[i][j] * ((LABELS[i] == j ? 1 : 0) - 1);
            }
        }
        return sq / (2 * lambda) + lin;
    }

    /** P(W) = (λ/2)‖W‖² + Σᵢ max_j (sᵢⱼ + [j ≠ yᵢ]) − s_{i,yᵢ}, by loops. */
    private static double primalByLoops(double[][] w, double lambda) {
        double reg = 0;
        for (double[] row : w) {
            for (double v : row) {
                reg += v * v;
            }
        }
        double hinge = 0;
        for (int i = 0; i < N; i++) {
            double[] s = new double[K];
            for (int j = 0; j < K; j++) {
                for (int f = 0; f < D; f++) {
                    s[j] += XV[i][f] * w[f][j];
                }
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < K; j++) {
                max = Math.max(max, s[j] + (j == LABELS[i] ? 0 : 1));
            }
            hinge += max - s[LABELS[i]];
        }
        return 0.5 * lambda * reg + hinge;
    }

    @Test
    void valueMatchesLoopsForIndexAndOneHotLabels() {
        double[][] beta = randomSimplexRows(3);
        double expected = dualByLoops(beta, 0.7, XV);
        assertEquals(expected, SvmObjectives.multiclassLinearSvmDual(Tensor.of(beta), 0.7, data()).item(),
                1e-13 * Math.max(1, Math.abs(expected)));
        Data oneHot = Data.of(Tensor.of(XV), Losses.oneHot(data().y(), K));
        assertEquals(expected, SvmObjectives.multiclassLinearSvmDual(Tensor.of(beta), 0.7, oneHot).item(),
                1e-13 * Math.max(1, Math.abs(expected)));
    }

    @Test
    void gradientInBetaLambdaAndXMatchesCentralDifferences() {
        double[][] beta = randomSimplexRows(5);
        double lambda = 0.9;
        Tensor y = data().y();
        record Args(Tensor beta, Tensor l2reg, Tensor x) {
        }
        Args at = new Args(Tensor.of(beta), Tensor.scalar(lambda), Tensor.of(XV));
        Args g = Autodiff.grad((Args a) -> SvmObjectives.multiclassLinearSvmDual(a.beta(), a.l2reg(),
                new Data(a.x(), y))).apply(at);
        double h = 1e-6;
        double[][] gb = g.beta().toArray2d();
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < K; j++) {
                double[][] p = copy(beta);
                double[][] m = copy(beta);
                p[i][j] += h;
                m[i][j] -= h;
                double fd = (dualByLoops(p, lambda, XV) - dualByLoops(m, lambda, XV)) / (2 * h);
                assertEquals(fd, gb[i][j], 1e-7 * Math.max(1, Math.abs(fd)), "d f / d beta[" + i + "][" + j + "]");
            }
        }
        double fdLambda = (dualByLoops(beta, lambda + h, XV) - dualByLoops(beta, lambda - h, XV)) / (2 * h);
        assertEquals(fdLambda, g.l2reg().item(), 1e-7 * Math.max(1, Math.abs(fdLambda)));
        double[][] gx = g.x().toArray2d();
        for (int i = 0; i < N; i++) {
            for (int f = 0; f < D; f++) {
                double[][] p = copy(XV);
                double[][] m = copy(XV);
                p[i][f] += h;
                m[i][f] -= h;
                double fd = (dualByLoops(beta, lambda, p) - dualByLoops(beta, lambda, m)) / (2 * h);
                assertEquals(fd, gx[i][f], 1e-7 * Math.max(1, Math.abs(fd)), "d f / d x[" + i + "][" + f + "]");
            }
        }
        // Forward mode agrees with reverse mode along a direction in β.
        Tensor dir = Tensor.randomNormal(8, N, K);
        double jvp = Autodiff.jvp((Tensor b) -> SvmObjectives.multiclassLinearSvmDual(b, lambda, data()),
                Tensor.of(beta), dir).tangent().item();
        assertEquals(g.beta().vdot(dir).item(), jvp, 1e-12 * Math.max(1, Math.abs(jvp)));
    }

    /** The dual solved by block coordinate descent with the simplex projection of each row. */
    private static Tensor solveDual(double lambda) {
        Tensor lam = Tensor.scalar(lambda);
        Data data = data();
        Tensor oneHot = Losses.oneHot(data.y(), K);
        BlockCoordinateDescent<Data> bcd = BlockCoordinateDescent.<Data>compositeLinear(
                d -> d.x().transpose(),
                (z, d) -> Tensor.of(XV).transpose().matmul(oneHot).sub(z).squaredNorm().div(lam.mul(2)),
                1.0 / lambda,
                d -> oneHot.sub(1.0),
                (row, d, s) -> Projection.simplex(row, 1.0)).maxiter(5000).tol(1e-12);
        SolverResult<Tensor, BlockCoordinateDescent.State> r = bcd.run(Tensor.full(1.0 / K, N, K), data);
        assertTrue(r.converged(), "BCD on the SVM dual: " + r.status() + " at " + r.error());
        return r.params();
    }

    @Test
    void dualOptimumHasZeroDualityGapAgainstThePrimalByLoops() {
        for (double lambda : new double[] {0.1, 1.0, 10.0}) {
            Tensor lam = Tensor.scalar(lambda);
            Tensor beta = solveDual(lambda);
            double[][] w = SvmObjectives.multiclassLinearSvmWeights(beta, lam, data()).toArray2d();
            double primal = primalByLoops(w, lambda);
            double dual = dualByLoops(beta.toArray2d(), lambda, XV);
            // P(W(β*)) = −f(β*) at the optimum (strong duality); P ≥ −f anywhere feasible.
            assertEquals(0.0, primal + dual, 1e-9 * Math.max(1, Math.abs(primal)), "gap at lambda = " + lambda);
            assertEquals(primal + dual, SvmObjectives.multiclassLinearSvmDualityGap(beta, lam, data()).item(),
                    1e-12 * Math.max(1, Math.abs(primal)));
            assertEquals(primal, SvmObjectives.multiclassLinearSvmPrimal(Tensor.of(w), lam, data()).item(),
                    1e-12 * Math.max(1, Math.abs(primal)));
            // W(β*) minimizes the primal: no perturbation lowers it (P is convex, so local = global).
            SplittableRandom rng = new SplittableRandom(17);
            for (int t = 0; t < 200; t++) {
                double eps = Math.pow(10, -1 - 3 * rng.nextDouble());
                double[][] p = copy(w);
                for (double[] row : p) {
                    for (int j = 0; j < K; j++) {
                        row[j] += eps * (2 * rng.nextDouble() - 1);
                    }
                }
                assertTrue(primalByLoops(p, lambda) >= primal - 1e-9 * Math.max(1, Math.abs(primal)),
                        "a perturbation of W(beta*) lowered the primal at lambda = " + lambda);
            }
        }
    }

    @Test
    void weakDualityHoldsAtEveryFeasiblePoint() {
        for (long seed = 1; seed <= 20; seed++) {
            double[][] beta = randomSimplexRows(seed);
            double lambda = 0.05 + seed * 0.3;
            Tensor lam = Tensor.scalar(lambda);
            double[][] w = SvmObjectives.multiclassLinearSvmWeights(Tensor.of(beta), lam, data()).toArray2d();
            double gap = primalByLoops(w, lambda) + dualByLoops(beta, lambda, XV);
            assertTrue(gap > 0, "gap " + gap + " at seed " + seed);
            assertEquals(gap, SvmObjectives.multiclassLinearSvmDualityGap(Tensor.of(beta), lam, data()).item(),
                    1e-12 * Math.max(1, gap));
        }
    }

    // ================================================================== a careless caller

    @Test
    void refusesWrongShapesNamingTheArgument() {
        Tensor beta = Tensor.of(randomSimplexRows(1));
        Tensor lam = Tensor.scalar(1.0);
        ShapeException e = assertThrows(ShapeException.class,
                () -> SvmObjectives.multiclassLinearSvmDual(Tensor.zeros(N, K).slice(0, 0, N - 1), lam, data()));
        assertTrue(e.getMessage().contains("beta of shape [8, 4]") && e.getMessage().contains("(9, k)"), e.getMessage());
        e = assertThrows(ShapeException.class,
                () -> SvmObjectives.multiclassLinearSvmDual(Tensor.zeros(N * K), lam, data()));
        assertTrue(e.getMessage().contains("beta of shape [36]"), e.getMessage());
        Data wrongOneHot = Data.of(Tensor.of(XV), Tensor.zeros(N, K + 1));
        e = assertThrows(ShapeException.class, () -> SvmObjectives.multiclassLinearSvmDual(beta, lam, wrongOneHot));
        assertTrue(e.getMessage().contains("y of shape [9, 5]") && e.getMessage().contains("(9, 4)"), e.getMessage());
        e = assertThrows(ShapeException.class,
                () -> SvmObjectives.multiclassLinearSvmDual(beta, Tensor.of(1.0, 2.0), data()));
        assertTrue(e.getMessage().contains("l2reg must be a 0-d tensor"), e.getMessage());
        e = assertThrows(ShapeException.class,
                () -> SvmObjectives.multiclassLinearSvmPrimal(Tensor.zeros(D + 1, K), lam, data()));
        assertTrue(e.getMessage().contains("w of shape [4, 4]") && e.getMessage().contains("(3, k)"), e.getMessage());
        IllegalArgumentException n = assertThrows(IllegalArgumentException.class,
                () -> SvmObjectives.multiclassLinearSvmDual(null, lam, data()));
        assertTrue(n.getMessage().contains("beta is null"), n.getMessage());
        n = assertThrows(IllegalArgumentException.class, () -> SvmObjectives.multiclassLinearSvmDual(beta, lam, null));
        assertTrue(n.getMessage().contains("data is null"), n.getMessage());
    }

    @Test
    void refusesLabelsOutOfRangeOrNotWhole() {
        Tensor beta = Tensor.of(randomSimplexRows(1));
        for (double bad : new double[] {K, -1, 1.5, Double.NaN}) {
            double[] y = new double[N];
            y[4] = bad;
            Data d = new Data(Tensor.of(XV), Tensor.of(y));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SvmObjectives.multiclassLinearSvmDual(beta, 1.0, d));
            assertTrue(e.getMessage().contains("labels must be whole numbers in [0, 4)")
                    && e.getMessage().contains("at entry 4"), e.getMessage());
        }
    }

    @Test
    void refusesANonPositiveOrNonFiniteLambda() {
        Tensor beta = Tensor.of(randomSimplexRows(1));
        for (double bad : new double[] {0.0, -1.0, Double.NaN, Double.POSITIVE_INFINITY}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SvmObjectives.multiclassLinearSvmDual(beta, bad, data()));
            assertTrue(e.getMessage().contains("l2reg must be finite and > 0") && e.getMessage().contains(bad + ""),
                    e.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> SvmObjectives.multiclassLinearSvmPrimal(Tensor.zeros(D, K), Tensor.scalar(bad), data()));
        }
    }

    @Test
    void refusesNaNFeatures() {
        double[][] x = copy(XV);
        x[2][1] = Double.NaN;
        Data d = new Data(Tensor.of(x), data().y());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SvmObjectives.multiclassLinearSvmDual(Tensor.of(randomSimplexRows(1)), 1.0, d));
        assertTrue(e.getMessage().contains("x (the features) contains NaN"), e.getMessage());
    }

    @Test
    void dualityGapRefusesInfeasibleDualVariables() {
        double[][] beta = randomSimplexRows(2);
        beta[3][0] += 0.1;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SvmObjectives.multiclassLinearSvmDualityGap(Tensor.of(beta), Tensor.scalar(1.0), data()));
        assertTrue(e.getMessage().contains("row 3 sums to"), e.getMessage());
        double[][] negative = new double[N][K];
        for (double[] row : negative) {
            row[0] = 1.5;
            row[1] = -0.5;
        }
        e = assertThrows(IllegalArgumentException.class,
                () -> SvmObjectives.multiclassLinearSvmDualityGap(Tensor.of(negative), Tensor.scalar(1.0), data()));
        assertTrue(e.getMessage().contains("entries >= 0") && e.getMessage().contains("row 0, column 1"), e.getMessage());
    }

    private static double[][] copy(double[][] a) {
        double[][] c = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
        }
        return c;
    }
}
