package dev.argdiff.tensor;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.tensor.internal.Dispatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;

import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Function;

import static dev.argdiff.testing.PlainLinearAlgebra.transpose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kernel values against closed forms, hand-computed numbers and naive loops: broadcasting,
 * reductions, matrix products (all transposition variants), transposes, gathers and scatters,
 * joins, numerically delicate functions, and the text rendering.
 */
class TensorKernelsTest {

    private static final double TOL = 1e-12;

    private static Tensor normal(long seed, int... shape) {
        return Tensor.randomNormal(seed, shape);
    }

    // ------------------------------------------------------------------ broadcasting

    @Test
    void broadcastRowVectorAgainstMatrix() {
        Tensor a = Tensor.of(new double[][] {{1, 2, 3, 4}, {5, 6, 7, 8}, {9, 10, 11, 12}});
        Tensor b = Tensor.of(10, 20, 30, 40);
        Tensor c = a.add(b);
        assertArrayEquals(new int[] {3, 4}, c.shape());
        assertArrayEquals(new double[] {11, 22, 33, 44, 15, 26, 37, 48, 19, 30, 41, 52}, c.toArray(), 0.0);
        assertArrayEquals(new double[] {9, 18, 27, 36, 5, 14, 23, 32, 1, 10, 19, 28}, b.sub(a).toArray(), 0.0);
    }

    @Test
    void broadcastColumnAgainstRow() {
        Tensor col = Tensor.of(new int[] {3, 1}, new double[] {1, 2, 3});
        Tensor row = Tensor.of(new int[] {1, 4}, new double[] {1, 10, 100, 1000});
        Tensor c = col.mul(row);
        assertArrayEquals(new int[] {3, 4}, c.shape());
        assertArrayEquals(new double[] {1, 10, 100, 1000, 2, 20, 200, 2000, 3, 30, 300, 3000}, c.toArray(), 0.0);
        assertArrayEquals(c.toArray(), row.mul(col).toArray(), 0.0);
    }

    @Test
    void broadcastScalarWithMatrix() {
        Tensor a = Tensor.of(new double[][] {{1, 2}, {4, 8}});
        assertArrayEquals(new double[] {8, 4, 2, 1}, Tensor.scalar(8).div(a).toArray(), 0.0);
        assertArrayEquals(new double[] {0.125, 0.25, 0.5, 1}, a.div(Tensor.scalar(8)).toArray(), 0.0);
        assertArrayEquals(new double[] {1, 4, 16, 64}, a.pow(Tensor.scalar(2.0).add(0.0)).toArray(), 0.0);
        assertArrayEquals(new double[] {2, 4, 16, 256}, Tensor.scalar(2).pow(a).toArray(), 0.0);
        assertArrayEquals(new int[] {}, Tensor.scalar(2).add(Tensor.scalar(3)).shape());
    }

    @Test
    void broadcastGeneralShapesAgainstLoops() {
        Tensor a = normal(1, 2, 1, 3);
        Tensor b = normal(2, 4, 1);
        Tensor c = a.mul(b).add(a.maximum(b));
        assertArrayEquals(new int[] {2, 4, 3}, c.shape());
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 4; j++) {
                for (int k = 0; k < 3; k++) {
                    double x = a.get(i, 0, k);
                    double y = b.get(j, 0);
                    assertEquals(x * y + Math.max(x, y), c.get(i, j, k), TOL);
                }
            }
        }
        Tensor bc = b.broadcastTo(3, 4, 5);
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 4; j++) {
                for (int k = 0; k < 5; k++) {
                    assertEquals(b.get(j, 0), bc.get(i, j, k), 0.0);
                }
            }
        }
        Tensor w = Tensor.where(Tensor.of(1, 0, 1), Tensor.of(new int[] {2, 1}, new double[] {7, 8}),
                Tensor.scalar(-1));
        assertArrayEquals(new double[] {7, -1, 7, 8, -1, 8}, w.toArray(), 0.0);
    }

    @Test
    void comparisonsGiveZeroOrOne() {
        Tensor a = Tensor.of(1, 2, 3);
        Tensor b = Tensor.of(2, 2, 2);
        assertArrayEquals(new double[] {1, 0, 0}, a.lt(b).toArray(), 0.0);
        assertArrayEquals(new double[] {1, 1, 0}, a.le(b).toArray(), 0.0);
        assertArrayEquals(new double[] {0, 0, 1}, a.gt(b).toArray(), 0.0);
        assertArrayEquals(new double[] {0, 1, 1}, a.ge(b).toArray(), 0.0);
        assertArrayEquals(new double[] {0, 1, 0}, a.eq(b).toArray(), 0.0);
        assertArrayEquals(new double[] {1, 0, 1}, a.ne(b).toArray(), 0.0);
        assertArrayEquals(new double[] {-1, 0, 1}, Tensor.of(-3, 0, 0.5).sign().toArray(), 0.0);
        assertArrayEquals(new double[] {0, 0, 0.5}, Tensor.of(-3, 0, 0.5).relu().toArray(), 0.0);
        assertArrayEquals(new double[] {-1, 0.2, 1}, Tensor.of(-3, 0.2, 5).clip(-1, 1).toArray(), 0.0);
    }

    // ------------------------------------------------------------------ reductions

    @Test
    void reductionsAlongEachAxisAgainstLoops() {
        Tensor x = normal(2, 2, 3, 4);
        double[][][] v = new double[2][3][4];
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 3; j++) {
                for (int k = 0; k < 4; k++) {
                    v[i][j][k] = x.get(i, j, k);
                }
            }
        }
        int[] dims = {2, 3, 4};
        for (int axis = 0; axis < 3; axis++) {
            Tensor s = x.sum(axis);
            Tensor sk = x.sum(axis, true);
            Tensor mx = x.max(axis);
            Tensor mn = x.min(axis);
            Tensor me = x.mean(axis);
            int[] keep = dims.clone();
            keep[axis] = 1;
            assertArrayEquals(keep, sk.shape());
            assertEquals(2, s.rank());
            for (int p = 0; p < s.dim(0); p++) {
                for (int q = 0; q < s.dim(1); q++) {
                    double sum = 0;
                    double max = Double.NEGATIVE_INFINITY;
                    double min = Double.POSITIVE_INFINITY;
                    for (int r = 0; r < dims[axis]; r++) {
                        int[] idx = axis == 0 ? new int[] {r, p, q} : axis == 1 ? new int[] {p, r, q} : new int[] {p, q, r};
                        double e = v[idx[0]][idx[1]][idx[2]];
                        sum += e;
                        max = Math.max(max, e);
                        min = Math.min(min, e);
                    }
                    assertEquals(sum, s.get(p, q), TOL);
                    assertEquals(sum / dims[axis], me.get(p, q), TOL);
                    assertEquals(max, mx.get(p, q), 0.0);
                    assertEquals(min, mn.get(p, q), 0.0);
                    int[] kidx = axis == 0 ? new int[] {0, p, q} : axis == 1 ? new int[] {p, 0, q} : new int[] {p, q, 0};
                    assertEquals(sum, sk.get(kidx), TOL);
                }
            }
        }
        double total = 0;
        for (double d : x.toArray()) {
            total += d;
        }
        assertEquals(total, x.sum().item(), TOL);
        assertEquals(0, x.sum().rank());
        assertEquals(total / 24, x.mean().item(), TOL);
        assertEquals(x.max(0).max(0).max(0).item(), x.max().item(), 0.0);
        assertEquals(x.min(2).min(1).min(0).item(), x.min().item(), 0.0);
        assertEquals(x.sum(-1).toString(), x.sum(2).toString());
    }

    @Test
    void maxGradientSplitsTiesEqually() {
        // A tie between two entries: each gets half (the convention of JAX).
        Tensor g = Autodiff.grad((Tensor z) -> z.max()).apply(Tensor.of(1, 3, 3, 2));
        assertArrayEquals(new double[] {0, 0.5, 0.5, 0}, g.toArray(), 0.0);
        Tensor gm = Autodiff.grad((Tensor z) -> z.maximum(Tensor.of(1, 1)).sum()).apply(Tensor.of(1, 2));
        assertArrayEquals(new double[] {0.5, 1}, gm.toArray(), 0.0);
    }

    // ------------------------------------------------------------------ matrix products

    private static double[][] naive(Tensor a, Tensor b, boolean ta, boolean tb) {
        double[][] x = a.toArray2d();
        double[][] y = b.toArray2d();
        int m = ta ? a.dim(1) : a.dim(0);
        int k = ta ? a.dim(0) : a.dim(1);
        int n = tb ? b.dim(0) : b.dim(1);
        double[][] c = new double[m][n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int l = 0; l < k; l++) {
                    s += (ta ? x[l][i] : x[i][l]) * (tb ? y[j][l] : y[l][j]);
                }
                c[i][j] = s;
            }
        }
        return c;
    }

    private static void assertMatrixEquals(double[][] expected, Tensor actual, double tol) {
        assertEquals(2, actual.rank());
        assertEquals(expected.length, actual.dim(0));
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i].length, actual.dim(1));
            for (int j = 0; j < expected[i].length; j++) {
                assertEquals(expected[i][j], actual.get(i, j), tol * (1 + Math.abs(expected[i][j])), "entry " + i + "," + j);
            }
        }
    }

    @Test
    void matmulAllTranspositionVariantsAgainstTripleLoop() {
        SplittableRandom rng = new SplittableRandom(42);
        int[] dims = {0, 1, 2, 3, 5, 8, 17, 64};
        for (int trial = 0; trial < 60; trial++) {
            int m = dims[rng.nextInt(dims.length)];
            int k = dims[rng.nextInt(dims.length)];
            int n = dims[rng.nextInt(dims.length)];
            for (int variant = 0; variant < 4; variant++) {
                boolean ta = (variant & 1) != 0;
                boolean tb = (variant & 2) != 0;
                Tensor a = ta ? normal(trial * 8L + variant, k, m) : normal(trial * 8L + variant, m, k);
                Tensor b = tb ? normal(1000 + trial * 8L + variant, n, k) : normal(1000 + trial * 8L + variant, k, n);
                Tensor c = Ops.MatMul.mm(a, b, ta, tb);
                assertMatrixEquals(naive(a, b, ta, tb), c, 1e-12);
            }
            Tensor a = normal(5000 + trial, m, k);
            Tensor b = normal(6000 + trial, k, n);
            assertMatrixEquals(naive(a, b, false, false), a.matmul(b), 1e-12);
            assertMatrixEquals(naive(a, b, false, false), a.transpose().transposeMatmul(b), 1e-12);
        }
    }

    @Test
    void matmulOneDimensionalOperands() {
        Tensor a = Tensor.of(new double[][] {{1, 2, 3}, {4, 5, 6}});
        Tensor v = Tensor.of(1, 0, -1);
        Tensor w = Tensor.of(2, 3);
        assertArrayEquals(new int[] {2}, a.matmul(v).shape());
        assertArrayEquals(new double[] {-2, -2}, a.matmul(v).toArray(), 0.0);
        assertArrayEquals(new int[] {3}, w.matmul(a).shape());
        assertArrayEquals(new double[] {14, 19, 24}, w.matmul(a).toArray(), 0.0);
        assertArrayEquals(new int[] {}, v.matmul(v).shape());
        assertEquals(2.0, v.matmul(v).item(), 0.0);
        assertEquals(2.0, v.dot(v).item(), 0.0);
        assertArrayEquals(new double[] {9, 12, 15}, a.transposeMatmul(Tensor.of(1, 2)).toArray(), 0.0);
        assertEquals(91.0, a.vdot(a).item(), 0.0);
        Tensor o = Tensor.of(1, 2).outer(Tensor.of(3, 4, 5));
        assertArrayEquals(new int[] {2, 3}, o.shape());
        assertArrayEquals(new double[] {3, 4, 5, 6, 8, 10}, o.toArray(), 0.0);
    }

    /** The VJP rules of matmul use the transposed kernels; grad and grad-of-grad reach all four. */
    @Test
    void matmulGradientsReachTransposedPathsAndMatchClosedForms() {
        Tensor a = normal(11, 4, 3);
        Tensor b = normal(12, 3, 5);
        Tensor c = normal(13, 4, 5);
        // ∇_A ⟨A·B, C⟩ = C·Bᵀ and ∇_B ⟨A·B, C⟩ = Aᵀ·C.
        List<Tensor> g = Autodiff.grad((List<Tensor> l) -> l.get(0).matmul(l.get(1)).vdot(c)).apply(List.of(a, b));
        assertMatrixEquals(naive(c, b, false, true), g.get(0), 1e-12);
        assertMatrixEquals(naive(a, c, true, false), g.get(1), 1e-12);
        // The same through the transposed primitives: ⟨Aᵀ·C, B⟩ with A stored 4×3... 
        Tensor at = normal(14, 3, 4);
        Tensor bt = normal(15, 5, 3);
        for (int variant = 0; variant < 4; variant++) {
            boolean ta = (variant & 1) != 0;
            boolean tb = (variant & 2) != 0;
            Tensor x = ta ? at : a;
            Tensor y = tb ? bt : b;
            List<Tensor> gv = Autodiff.grad((List<Tensor> l) -> Ops.MatMul.mm(l.get(0), l.get(1), ta, tb).vdot(c))
                    .apply(List.of(x, y));
            // C = op(X)·op(Y): ∇op(X) = C·op(Y)ᵀ, ∇op(Y) = op(X)ᵀ·C.
            double[][] gOpX = naive(c, y, false, !tb);
            double[][] gOpY = naive(x, c, !ta, false);
            assertMatrixEquals(ta ? transpose(gOpX) : gOpX, gv.get(0), 1e-12);
            assertMatrixEquals(tb ? transpose(gOpY) : gOpY, gv.get(1), 1e-12);
            // Second order: the mixed Hessian-vector product of ⟨op(X)·op(Y), C⟩ along (dX, dY)
            // is (C·op(dY)ᵀ, op(dX)ᵀ·C) in op-space — it goes through the VJP rules' own VJPs.
            Tensor dx = normal(20 + variant, x.shape());
            Tensor dy = normal(30 + variant, y.shape());
            List<Tensor> hv = Autodiff.hvp((List<Tensor> l) -> Ops.MatMul.mm(l.get(0), l.get(1), ta, tb).vdot(c),
                    List.of(x, y), List.of(dx, dy));
            double[][] hOpX = naive(c, dy, false, !tb);
            double[][] hOpY = naive(dx, c, !ta, false);
            assertMatrixEquals(ta ? transpose(hOpX) : hOpX, hv.get(0), 1e-12);
            assertMatrixEquals(tb ? transpose(hOpY) : hOpY, hv.get(1), 1e-12);
            List<Tensor> gg = Autodiff.grad((List<Tensor> l) -> Autodiff.grad(
                    (List<Tensor> m) -> Ops.MatMul.mm(m.get(0), m.get(1), ta, tb).vdot(c)).apply(l).get(0).vdot(dx))
                    .apply(List.of(x, y));
            // ∂/∂Y ⟨∇_X f, dX⟩ is the same mixed second derivative, computed reverse-over-reverse.
            assertMatrixEquals(tb ? transpose(hOpY) : hOpY, gg.get(1), 1e-12);
            assertEquals(0.0, gg.get(0).squaredNorm().item(), 0.0);
        }
    }

    // ------------------------------------------------------------------ shape operations

    @Test
    void transposeOfThreeDimensionalTensor() {
        Tensor x = Tensor.arange(24).reshape(2, 3, 4);
        Tensor t = x.transpose(2, 0, 1);
        assertArrayEquals(new int[] {4, 2, 3}, t.shape());
        Tensor r = x.transpose();
        assertArrayEquals(new int[] {4, 3, 2}, r.shape());
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 3; j++) {
                for (int k = 0; k < 4; k++) {
                    double e = 12 * i + 4 * j + k;
                    assertEquals(e, x.get(i, j, k), 0.0);
                    assertEquals(e, t.get(k, i, j), 0.0);
                    assertEquals(e, r.get(k, j, i), 0.0);
                    assertEquals(e, x.transpose(1, 0, 2).get(j, i, k), 0.0);
                }
            }
        }
        assertEquals(x, x.transpose(2, 0, 1).transpose(1, 2, 0));
        assertArrayEquals(new double[] {0, 3, 1, 4, 2, 5}, Tensor.arange(6).reshape(2, 3).transpose().toArray(), 0.0);
    }

    @Test
    void takeAndScatterAdd() {
        Tensor x = Tensor.arange(12).reshape(4, 3);
        Tensor t = x.take(2, 0, 2);
        assertArrayEquals(new int[] {3, 3}, t.shape());
        assertArrayEquals(new double[] {6, 7, 8, 0, 1, 2, 6, 7, 8}, t.toArray(), 0.0);
        Tensor t1 = x.take(new int[] {2, 2, 0, 1}, 1);
        assertArrayEquals(new int[] {4, 4}, t1.shape());
        assertArrayEquals(new double[] {2, 2, 0, 1, 5, 5, 3, 4, 8, 8, 6, 7, 11, 11, 9, 10}, t1.toArray(), 0.0);
        // The transpose of take is a scatter-add: repeated indices accumulate.
        Tensor s = Dispatch.bind(new Ops.ScatterAdd(new int[] {2, 0, 2}, 0, 4), Tensor.of(new double[][] {
                {1, 2, 3}, {10, 20, 30}, {100, 200, 300}}));
        assertArrayEquals(new double[] {10, 20, 30, 0, 0, 0, 101, 202, 303, 0, 0, 0}, s.toArray(), 0.0);
        Tensor g = Autodiff.grad((Tensor z) -> z.take(2, 0, 2, 2).mul(Tensor.of(1, 2, 3)).sum()).apply(x);
        assertArrayEquals(new double[] {1, 2, 3, 0, 0, 0, 3, 6, 9, 0, 0, 0}, g.toArray(), 0.0);
        Tensor g1 = Autodiff.grad((Tensor z) -> z.take(new int[] {1, 1, 0}, 1).sum()).apply(x);
        assertArrayEquals(new double[] {1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0}, g1.toArray(), 0.0);
        assertArrayEquals(new double[] {3, 4, 5}, x.row(1).toArray(), 0.0);
        assertArrayEquals(new double[] {4, 5, 7, 8}, x.slice(0, 1, 3).slice(1, 1, 3).toArray(), 0.0);
        Tensor gs = Autodiff.grad((Tensor z) -> z.slice(0, 1, 3).slice(1, 1, 3).sum()).apply(x);
        assertArrayEquals(new double[] {0, 0, 0, 0, 1, 1, 0, 1, 1, 0, 0, 0}, gs.toArray(), 0.0);
    }

    @Test
    void concatenateAndStack() {
        Tensor a = Tensor.of(new double[][] {{1, 2}, {3, 4}});
        Tensor b = Tensor.of(new double[][] {{5}, {6}});
        Tensor c = Tensor.of(new double[][] {{7, 8}});
        Tensor h = Tensor.concatenate(List.of(a, b), 1);
        assertArrayEquals(new int[] {2, 3}, h.shape());
        assertArrayEquals(new double[] {1, 2, 5, 3, 4, 6}, h.toArray(), 0.0);
        Tensor v = Tensor.concatenate(List.of(a, c), 0);
        assertArrayEquals(new int[] {3, 2}, v.shape());
        assertArrayEquals(new double[] {1, 2, 3, 4, 7, 8}, v.toArray(), 0.0);
        Tensor s0 = Tensor.stack(List.of(Tensor.of(1, 2, 3), Tensor.of(4, 5, 6)), 0);
        assertArrayEquals(new int[] {2, 3}, s0.shape());
        assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6}, s0.toArray(), 0.0);
        Tensor s1 = Tensor.stack(List.of(Tensor.of(1, 2, 3), Tensor.of(4, 5, 6)), 1);
        assertArrayEquals(new int[] {3, 2}, s1.shape());
        assertArrayEquals(new double[] {1, 4, 2, 5, 3, 6}, s1.toArray(), 0.0);
        Tensor sm = Tensor.stack(List.of(a, a.mul(10)), -1);
        assertArrayEquals(new int[] {2, 2, 2}, sm.shape());
        assertArrayEquals(new double[] {1, 10, 2, 20, 3, 30, 4, 40}, sm.toArray(), 0.0);
        Tensor ss = Tensor.stack(List.of(Tensor.scalar(1), Tensor.scalar(2)), 0);
        assertArrayEquals(new double[] {1, 2}, ss.toArray(), 0.0);
        List<Tensor> g = Autodiff.grad((List<Tensor> l) -> Tensor.concatenate(l, 1).mul(Tensor.of(1, 2, 3)).sum())
                .apply(List.of(a, b));
        assertArrayEquals(new double[] {1, 2, 1, 2}, g.get(0).toArray(), 0.0);
        assertArrayEquals(new double[] {3, 3}, g.get(1).toArray(), 0.0);
    }

    // ------------------------------------------------------------------ numerically delicate functions

    @Test
    void logsumexpWithMinusInfinityAndLargeValues() {
        Tensor big = Tensor.of(1000, 1000, Double.NEGATIVE_INFINITY);
        assertEquals(1000 + Math.log(2), big.logsumexp().item(), 1e-12);
        Tensor g = Autodiff.grad((Tensor z) -> z.logsumexp()).apply(big);
        assertArrayEquals(new double[] {0.5, 0.5, 0}, g.toArray(), 1e-15);
        assertEquals(Double.NEGATIVE_INFINITY, Tensor.of(Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY)
                .logsumexp().item());
        assertEquals(-1000 + Math.log(3), Tensor.of(-1000, -1000, -1000).logsumexp().item(), 1e-12);
        Tensor rows = Tensor.of(new double[][] {{1, 2, 3}, {800, 800, Double.NEGATIVE_INFINITY}, {-800, -801, -802}});
        Tensor r = rows.logsumexp(1);
        assertEquals(Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)), r.get(0), 1e-12);
        assertEquals(800 + Math.log(2), r.get(1), 1e-12);
        assertEquals(-800 + Math.log(1 + Math.exp(-1) + Math.exp(-2)), r.get(2), 1e-12);
        Tensor c = rows.logsumexp(0, true);
        assertArrayEquals(new int[] {1, 3}, c.shape());
        assertEquals(800.0, c.get(0, 0), 1e-12);
        Tensor gr = Autodiff.grad((Tensor z) -> z.logsumexp(1).sum()).apply(rows);
        assertTrue(gr.isFinite());
        assertArrayEquals(new double[] {0.5, 0.5, 0}, gr.slice(0, 1, 2).toArray(), 1e-15);
    }

    @Test
    void softplusAndSigmoidAreFiniteAtExtremes() {
        Tensor x = Tensor.of(800, -800, 0, 40, -40);
        Tensor sp = x.softplus();
        assertArrayEquals(new double[] {800, 0, Math.log(2), 40 + Math.log1p(Math.exp(-40)), Math.log1p(Math.exp(-40))},
                sp.toArray(), 1e-15);
        Tensor sg = x.sigmoid();
        assertArrayEquals(new double[] {1, 0, 0.5, 1 / (1 + Math.exp(-40)), Math.exp(-40) / (1 + Math.exp(-40))},
                sg.toArray(), 1e-18);
        assertTrue(Autodiff.grad((Tensor z) -> z.softplus().sum()).apply(x).isFinite());
        assertTrue(Autodiff.grad((Tensor z) -> z.sigmoid().sum()).apply(x).isFinite());
        assertTrue(Autodiff.hessian((Tensor z) -> z.softplus().sum()).apply(x).isFinite());
        assertArrayEquals(sg.toArray(), Autodiff.grad((Tensor z) -> z.softplus().sum()).apply(x).toArray(), 0.0);
    }

    @Test
    void normGradientAtZeroIsZero() {
        Tensor zero = Tensor.zeros(2, 3);
        assertEquals(0.0, zero.norm().item(), 0.0);
        Tensor g = Autodiff.grad((Tensor z) -> z.norm()).apply(zero);
        assertArrayEquals(new double[6], g.toArray(), 0.0);
        Tensor t = Autodiff.jvp((Tensor z) -> z.norm(), zero, Tensor.ones(2, 3)).tangent();
        assertEquals(0.0, t.item(), 0.0);
        assertTrue(Autodiff.hessian((Tensor z) -> z.norm()).apply(zero).isFinite());
        // Away from zero: ∇‖x‖ = x/‖x‖.
        Tensor x = Tensor.of(3, 4);
        assertArrayEquals(new double[] {0.6, 0.8}, Autodiff.grad((Tensor z) -> z.norm()).apply(x).toArray(), 1e-15);
        assertEquals(7.0, x.norm(1).item(), 0.0);
        assertEquals(4.0, x.norm(Double.POSITIVE_INFINITY).item(), 0.0);
        assertEquals(25.0, x.squaredNorm().item(), 0.0);
    }

    @Test
    void elementaryFunctionValues() {
        Tensor x = Tensor.of(0.5, 2.0);
        assertArrayEquals(new double[] {Math.exp(0.5), Math.exp(2)}, x.exp().toArray(), 0.0);
        assertArrayEquals(new double[] {Math.log(0.5), Math.log(2)}, x.log().toArray(), 0.0);
        assertArrayEquals(new double[] {Math.log1p(0.5), Math.log1p(2)}, x.log1p().toArray(), 0.0);
        assertArrayEquals(new double[] {Math.expm1(0.5), Math.expm1(2)}, x.expm1().toArray(), 0.0);
        assertArrayEquals(new double[] {Math.sqrt(0.5), Math.sqrt(2)}, x.sqrt().toArray(), 0.0);
        assertArrayEquals(new double[] {Math.tanh(0.5), Math.tanh(2)}, x.tanh().toArray(), 0.0);
        assertArrayEquals(new double[] {Math.sin(0.5), Math.sin(2)}, x.sin().toArray(), 0.0);
        assertArrayEquals(new double[] {Math.cos(0.5), Math.cos(2)}, x.cos().toArray(), 0.0);
        assertArrayEquals(new double[] {Math.pow(0.5, 1.5), Math.pow(2, 1.5)}, x.pow(1.5).toArray(), 0.0);
        assertArrayEquals(new double[] {0.5, 2}, x.neg().abs().toArray(), 0.0);
        assertArrayEquals(new double[] {2, 0.5}, x.reciprocal().toArray(), 0.0);
    }

    // ------------------------------------------------------------------ rendering

    @Test
    void toStringIsReadable() {
        assertEquals("Tensor[2, 2] [[1.0, 2.0], [3.0, 4.5]]", Tensor.of(new double[][] {{1, 2}, {3, 4.5}}).toString());
        assertEquals("Tensor[] 3.25", Tensor.scalar(3.25).toString());
        assertEquals("Tensor[] -0.1", Tensor.scalar(-0.1).toString());
        assertEquals("Tensor[0, 3] []", Tensor.zeros(0, 3).toString());
        assertEquals("Tensor[2] [0.001, 123457]", Tensor.of(0.001, 123456.789).toString());
    }

    @Test
    void toStringElidesLongAxesWithSeparators() {
        assertEquals("Tensor[15] [0.0, 1.0, 2.0, ..., 12.0, 13.0, 14.0]", Tensor.arange(15).toString());
        assertEquals("Tensor[3] [1.0e-07, -2.5e+20, NaN]", Tensor.of(1e-7, -2.5e20, Double.NaN).toString());
    }

    @Test
    @ResourceLock("java.util.Locale")
    void toStringDoesNotDependOnTheDefaultLocale() {
        Locale saved = Locale.getDefault();
        try {
            Locale.setDefault(Locale.GERMANY);
            assertEquals("Tensor[2, 2] [[1.0, 2.0], [3.0, 4.5]]", Tensor.of(new double[][] {{1, 2}, {3, 4.5}}).toString());
            assertEquals("Tensor[] 3.25", Tensor.scalar(3.25).toString());
        } finally {
            Locale.setDefault(saved);
        }
    }

    @Test
    void tracedTensorsPrintTheirLevel() {
        String[] seen = new String[1];
        Function<Tensor, Tensor> f = x -> {
            seen[0] = x.toString();
            return x.sum();
        };
        Autodiff.grad(f).apply(Tensor.of(1, 2));
        assertTrue(seen[0].startsWith("Tensor[2] traced at level "), seen[0]);
        assertTrue(seen[0].endsWith(" [1.0, 2.0]"), seen[0]);
    }
}
