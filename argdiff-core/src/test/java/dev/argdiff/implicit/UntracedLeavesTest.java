package dev.argdiff.implicit;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.linalg.LinearSolver;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Function;

import static dev.argdiff.implicit.RidgeFixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The implicit rules of {@code customRoot} differentiate F only in the leaves of θ that a
 * transform traces: a data leaf that nobody differentiates gets no tangent and no cotangent (no
 * n×p outer product), while the traced leaves' derivatives are unchanged at every order, and a
 * leaf traced only by an enclosing transform is still differentiated through the rule. F reads
 * the data leaf through an identity whose derivative rules count their calls: they run only when
 * a transform asks for the data's derivative. References: {@link ClosedFormRidge} (closed forms
 * on plain arrays) and central finite differences of them.
 */
class UntracedLeavesTest {

    /** θ: the traced hyperparameter, the data matrix and the targets. */
    record Theta(Tensor l2reg, Tensor x, Tensor y) {
    }

    private static final double L2REG = 0.3;

    private final RidgeFixtures.Split split = RidgeFixtures.small(11);
    private final ClosedFormRidge ref = split.closedForm();
    private final AtomicInteger dataJvps = new AtomicInteger();
    private final AtomicInteger dataVjps = new AtomicInteger();

    /** The identity on the data, counting the tangents and cotangents asked of it. */
    private final Function<Tensor, Tensor> countingIdentity = Autodiff.customDerivatives(
            (Tensor t) -> t,
            (p, out, t) -> {
                dataJvps.incrementAndGet();
                return t;
            },
            (p, out, ct) -> {
                dataVjps.incrementAndGet();
                return ct;
            });

    /** F(w, θ) = Xᵀ(Xw − y)/n + λw, X read through the counting identity. */
    private Tensor optimality(Tensor w, Theta th) {
        Tensor x = countingIdentity.apply(th.x());
        int n = x.dim(0);
        return x.transposeMatmul(x.matmul(w).sub(th.y())).div(n).add(w.mul(th.l2reg()));
    }

    private final BiFunction<Tensor, Theta, Tensor> root = ImplicitDiff.customRoot(this::optimality,
            (init, th) -> RidgeFixtures.denseSolver(LinearSolver.lu()).apply(init,
                    new RidgeFixtures.Args(th.l2reg(), th.x(), th.y(), "untraced")),
            ImplicitOptions.defaults());

    private Tensor w0() {
        return Tensor.zeros(split.features());
    }

    /** Σw*(λ, X) with y fixed. */
    private Tensor sumW(Tensor l2reg, Tensor x) {
        return root.apply(w0(), new Theta(l2reg, x, split.yTrain())).sum();
    }

    private static double sum(double[] v) {
        double s = 0;
        for (double d : v) {
            s += d;
        }
        return s;
    }

    @Test
    void reverseModeInTheHyperparameterNeverDifferentiatesTheData() {
        double g = Autodiff.grad((Tensor l) -> sumW(l, split.xTrain())).apply(Tensor.scalar(L2REG)).item();
        assertClose(sum(ref.dwDl2reg(L2REG)), g, 1e-9, "dΣw/dλ (reverse)");
        assertEquals(0, dataVjps.get(), "cotangents asked of the untraced data");
        assertEquals(0, dataJvps.get(), "tangents asked of the untraced data");
    }

    @Test
    void forwardModeInTheHyperparameterNeverDifferentiatesTheData() {
        double t = Autodiff.jvp((Tensor l) -> sumW(l, split.xTrain()), Tensor.scalar(L2REG), Tensor.scalar(1.0))
                .tangent().item();
        assertClose(sum(ref.dwDl2reg(L2REG)), t, 1e-9, "dΣw/dλ (forward)");
        assertEquals(0, dataVjps.get(), "cotangents asked of the untraced data");
        assertEquals(0, dataJvps.get(), "tangents asked of the untraced data");
    }

    @Test
    void secondOrderInTheHyperparameterNeverDifferentiatesTheData() {
        Function<Tensor, Tensor> g = Autodiff.grad((Tensor l) -> sumW(l, split.xTrain()));
        double expected = sum(ref.d2wDl2reg2(L2REG));
        double revRev = Autodiff.grad((Tensor l) -> g.apply(l)).apply(Tensor.scalar(L2REG)).item();
        assertClose(expected, revRev, 1e-8, "d²Σw/dλ² (grad of grad)");
        assertEquals(0, dataVjps.get(), "cotangents asked of the untraced data (grad of grad)");
        assertEquals(0, dataJvps.get(), "tangents asked of the untraced data (grad of grad)");
        double fwdRev = Autodiff.jvp(g, Tensor.scalar(L2REG), Tensor.scalar(1.0)).tangent().item();
        assertClose(expected, fwdRev, 1e-8, "d²Σw/dλ² (jvp of grad)");
        assertEquals(0, dataVjps.get(), "cotangents asked of the untraced data (jvp of grad)");
        assertEquals(0, dataJvps.get(), "tangents asked of the untraced data (jvp of grad)");
    }

    @Test
    void aTracedDataLeafGetsItsCotangentNextToTheHyperparameter() {
        Function<Theta, Theta> g = Autodiff.grad((Theta th) -> root.apply(w0(), th).sum());
        Theta ct = g.apply(new Theta(Tensor.scalar(L2REG), split.xTrain(), split.yTrain()));
        assertClose(sum(ref.dwDl2reg(L2REG)), ct.l2reg().item(), 1e-9, "dΣw/dλ");
        double[][][] dwDx = ref.dwDx(L2REG);
        double[][] expected = new double[ref.samples()][ref.features()];
        for (double[][] dwi : dwDx) {
            for (int r = 0; r < expected.length; r++) {
                for (int c = 0; c < expected[r].length; c++) {
                    expected[r][c] += dwi[r][c];
                }
            }
        }
        double[][] actual = ct.x().toArray2d();
        for (int r = 0; r < expected.length; r++) {
            assertClose(expected[r], actual[r], 1e-8, 1e-12, "dΣw/dX row " + r);
        }
        assertClose(columnSums(ref.dwDy(L2REG)), ct.y().toArray(), 1e-8, 1e-12,
                "dΣw/dy");
    }

    /**
     * The data traced by an outer transform only: the inner reverse pass does not ask for its
     * cotangent, but the outer one differentiates the inner pass through it. d/dX of dΣw/dλ
     * against central differences of the closed form.
     */
    @Test
    void aLeafTracedOnlyByTheOuterTransformIsStillDifferentiatedThroughTheRule() {
        Function<Tensor, Tensor> inner = x -> Autodiff.grad((Tensor l) -> sumW(l, x)).apply(Tensor.scalar(L2REG));
        double[][] actual = Autodiff.grad(inner).apply(split.xTrain()).toArray2d();
        double[][] x = split.xTrain().toArray2d();
        double h = 1e-5;
        for (int r = 0; r < x.length; r++) {
            double[] expected = new double[x[r].length];
            for (int c = 0; c < x[r].length; c++) {
                double saved = x[r][c];
                x[r][c] = saved + h;
                double up = sum(closedForm(x).dwDl2reg(L2REG));
                x[r][c] = saved - h;
                double down = sum(closedForm(x).dwDl2reg(L2REG));
                x[r][c] = saved;
                expected[c] = (up - down) / (2 * h);
            }
            assertClose(expected, actual[r], 1e-6, 1e-9, "d(dΣw/dλ)/dX row " + r);
        }
    }

    private ClosedFormRidge closedForm(double[][] x) {
        return new ClosedFormRidge(x, split.yTrain().toArray(), split.xVal().toArray2d(), split.yVal().toArray());
    }

    /** Σᵢ ∂wᵢ/∂y: the column sums of a features × samples matrix. */
    private static double[] columnSums(double[][] m) {
        double[] s = new double[m[0].length];
        for (double[] row : m) {
            for (int j = 0; j < s.length; j++) {
                s[j] += row[j];
            }
        }
        return s;
    }
}
