package dev.argdiff.ad;

import dev.argdiff.data.Datasets;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Derivatives of every transform and their compositions against closed forms: the Hessian of the
 * multiclass logistic loss on real data, Hessian-vector products, Jacobians by both modes,
 * second derivatives, and the perturbation-confusion examples of Siskind and Pearlmutter.
 */
class ClosedFormTest {

    // ------------------------------------------------------------------ data

    /** The first n digits: pixels scaled to [0, 1] (n×64) and labels. */
    record Digits(double[][] x, int[] y) {
    }

    static Digits digits(int n) {
        Datasets.Digits all = Datasets.digits();
        assertTrue(all.n() >= n);
        int pixels = Datasets.Digits.PIXELS;
        double[][] x = new double[n][pixels];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = all.labels()[i];
            for (int j = 0; j < pixels; j++) {
                x[i][j] = all.images()[i * pixels + j] / 16.0;
            }
        }
        return new Digits(x, y);
    }

    // ------------------------------------------------------------------ Hessian of the logistic loss

    @Test
    void hessianOfMulticlassLogisticLossOnDigitsMatchesTheAnalyticFormula() {
        int n = 100;
        int d = 64;
        int k = 10;
        Digits data = digits(n);
        Tensor x = Tensor.of(data.x());
        double[] oneHot = new double[n * k];
        for (int i = 0; i < n; i++) {
            oneHot[i * k + data.y()[i]] = 1;
        }
        Tensor y = Tensor.of(new int[] {n, k}, oneHot);
        Function<Tensor, Tensor> loss = w -> {
            Tensor logits = x.matmul(w);
            return logits.logsumexp(1).sub(logits.mul(y).sum(1)).mean();
        };
        Tensor w = Tensor.randomNormal(2024, d, k).mul(0.05);

        Tensor h = Autodiff.hessian(loss).apply(w);
        assertArrayEquals(new int[] {d, k, d, k}, h.shape());

        // H[a,c,b,e] = (1/n) Σᵢ x_ia x_ib (diag(pᵢ) − pᵢpᵢᵀ)_ce, with pᵢ = softmax(xᵢ·W).
        double[][] wv = w.toArray2d();
        double[] expected = new double[d * k * d * k];
        for (int i = 0; i < n; i++) {
            double[] xi = data.x()[i];
            double[] z = new double[k];
            double zmax = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < k; c++) {
                for (int a = 0; a < d; a++) {
                    z[c] += xi[a] * wv[a][c];
                }
                zmax = Math.max(zmax, z[c]);
            }
            double norm = 0;
            double[] p = new double[k];
            for (int c = 0; c < k; c++) {
                p[c] = Math.exp(z[c] - zmax);
                norm += p[c];
            }
            double[][] s = new double[k][k];
            for (int c = 0; c < k; c++) {
                p[c] /= norm;
            }
            for (int c = 0; c < k; c++) {
                for (int e = 0; e < k; e++) {
                    s[c][e] = ((c == e ? p[c] : 0) - p[c] * p[e]) / n;
                }
            }
            for (int a = 0; a < d; a++) {
                if (xi[a] == 0) {
                    continue;
                }
                for (int c = 0; c < k; c++) {
                    int row = (a * k + c) * d * k;
                    for (int b = 0; b < d; b++) {
                        double xab = xi[a] * xi[b];
                        for (int e = 0; e < k; e++) {
                            expected[row + b * k + e] += xab * s[c][e];
                        }
                    }
                }
            }
        }
        double[] actual = h.toArray();
        double maxAbs = 0;
        double maxErr = 0;
        for (int i = 0; i < expected.length; i++) {
            maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
            maxErr = Math.max(maxErr, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(maxAbs > 0.01, "the Hessian is not trivially small: " + maxAbs);
        assertTrue(maxErr <= 1e-10 * maxAbs, "max |H − H_analytic| = " + maxErr + " for max |H| = " + maxAbs);
    }

    // ------------------------------------------------------------------ Hessian-vector products

    /** f(x) = Σᵢ softplus(aᵢ·x) + ½‖x‖² + Σ x³/3: H = Aᵀ diag(σ(1−σ)) A + I + diag(2x). */
    @Test
    void hessianVectorProductsAgreeWithTheClosedFormHessian() {
        Tensor a = Tensor.randomNormal(7, 6, 4);
        Function<Tensor, Tensor> f = x -> a.matmul(x).softplus().sum().add(x.squaredNorm().mul(0.5))
                .add(x.pow(3.0).sum().div(3.0));
        Tensor x = Tensor.randomNormal(8, 4);
        Tensor v = Tensor.randomNormal(9, 4);

        double[][] av = a.toArray2d();
        double[] xv = x.toArray();
        double[][] hExp = new double[4][4];
        for (int i = 0; i < 6; i++) {
            double z = 0;
            for (int j = 0; j < 4; j++) {
                z += av[i][j] * xv[j];
            }
            double s = 1 / (1 + Math.exp(-z));
            for (int p = 0; p < 4; p++) {
                for (int q = 0; q < 4; q++) {
                    hExp[p][q] += av[i][p] * s * (1 - s) * av[i][q];
                }
            }
        }
        for (int p = 0; p < 4; p++) {
            hExp[p][p] += 1 + 2 * xv[p];
        }
        double[] hv = new double[4];
        double[] vv = v.toArray();
        for (int p = 0; p < 4; p++) {
            for (int q = 0; q < 4; q++) {
                hv[p] += hExp[p][q] * vv[q];
            }
        }

        Tensor h = Autodiff.hessian(f).apply(x);
        for (int p = 0; p < 4; p++) {
            assertArrayEquals(hExp[p], h.row(p).toArray(), 1e-13);
        }
        assertArrayEquals(hv, Autodiff.jvp(Autodiff.grad(f), x, v).tangent().toArray(), 1e-13);
        assertArrayEquals(hv, Autodiff.hvp(f, x, v).toArray(), 1e-13);
        assertArrayEquals(hv, h.matmul(v).toArray(), 1e-13);
        // Reverse over reverse: ∇ₓ⟨∇f(x), v⟩ = H·v (H symmetric).
        assertArrayEquals(hv, Autodiff.grad((Tensor z) -> Autodiff.grad(f).apply(z).vdot(v)).apply(x).toArray(), 1e-13);
        // Reverse over forward: ∇ₓ (∇f(x)·v via jvp of f) = H·v.
        assertArrayEquals(hv, Autodiff.grad((Tensor z) -> Autodiff.jvp(f, z, v).tangent()).apply(x).toArray(), 1e-13);
        // Forward over forward: vᵀ H v.
        double vhv = 0;
        for (int p = 0; p < 4; p++) {
            vhv += vv[p] * hv[p];
        }
        Tensor second = Autodiff.jvp((Tensor z) -> Autodiff.jvp(f, z, v).tangent(), x, v).tangent();
        assertEquals(vhv, second.item(), 1e-12);
        // jacrev of grad and jacfwd of grad are the Hessian too.
        assertArrayEquals(h.toArray(), Autodiff.jacrev(Autodiff.grad(f)).apply(x).toArray(), 1e-13);
        assertArrayEquals(h.toArray(), Autodiff.jacfwd(Autodiff.grad(f)).apply(x).toArray(), 1e-13);
    }

    // ------------------------------------------------------------------ Jacobians

    @Test
    void jacobiansOfAVectorFunctionOfAVectorByBothModes() {
        // f(x) = tanh(A·x) ⊙ x[0]: J = diag(1 − tanh²(Ax))·A·x₀ + tanh(Ax)·e₀ᵀ.
        Tensor a = Tensor.randomNormal(21, 5, 3);
        Function<Tensor, Tensor> f = x -> a.matmul(x).tanh().mul(x.row(0));
        Tensor x = Tensor.randomNormal(22, 3);
        double[][] av = a.toArray2d();
        double[] xv = x.toArray();
        double[][] jExp = new double[5][3];
        for (int i = 0; i < 5; i++) {
            double z = 0;
            for (int j = 0; j < 3; j++) {
                z += av[i][j] * xv[j];
            }
            double t = Math.tanh(z);
            for (int j = 0; j < 3; j++) {
                jExp[i][j] = (1 - t * t) * av[i][j] * xv[0] + (j == 0 ? t : 0);
            }
        }
        Tensor jf = Autodiff.jacfwd(f).apply(x);
        Tensor jr = Autodiff.jacrev(f).apply(x);
        assertArrayEquals(new int[] {5, 3}, jf.shape());
        assertArrayEquals(new int[] {5, 3}, jr.shape());
        for (int i = 0; i < 5; i++) {
            assertArrayEquals(jExp[i], jf.row(i).toArray(), 1e-14);
            assertArrayEquals(jExp[i], jr.row(i).toArray(), 1e-14);
        }
    }

    @Test
    void jacobiansOfAMatrixFunctionOfAMatrixByBothModes() {
        // F(X) = X·Xᵀ: ∂F_ij/∂X_kl = δ_ik X_jl + δ_jk X_il.
        int m = 3;
        int n = 4;
        Tensor x = Tensor.randomNormal(31, m, n);
        Function<Tensor, Tensor> f = z -> z.matmul(z.transpose());
        Tensor jf = Autodiff.jacfwd(f).apply(x);
        Tensor jr = Autodiff.jacrev(f).apply(x);
        assertArrayEquals(new int[] {m, m, m, n}, jf.shape());
        assertArrayEquals(new int[] {m, m, m, n}, jr.shape());
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < m; j++) {
                for (int k = 0; k < m; k++) {
                    for (int l = 0; l < n; l++) {
                        double e = (i == k ? x.get(j, l) : 0) + (j == k ? x.get(i, l) : 0);
                        assertEquals(e, jf.get(i, j, k, l), 1e-15);
                        assertEquals(e, jr.get(i, j, k, l), 1e-15);
                    }
                }
            }
        }
        // A scalar output: the Jacobian has the input's shape and is the gradient.
        Tensor g = Autodiff.jacrev((Tensor z) -> z.squaredNorm()).apply(x);
        assertArrayEquals(x.mul(2).toArray(), g.toArray(), 1e-15);
        assertArrayEquals(g.toArray(), Autodiff.jacfwd((Tensor z) -> z.squaredNorm()).apply(x).toArray(), 1e-15);
    }

    @Test
    void jacobiansOfATreeInput() {
        // f(a, b) = a ⊙ b (vectors): ∂f/∂a = diag(b), ∂f/∂b = diag(a).
        Tensor a = Tensor.of(1, 2, 3);
        Tensor b = Tensor.of(4, 5, 6);
        Function<List<Tensor>, Tensor> f = l -> l.get(0).mul(l.get(1));
        for (List<Tensor> j : List.of(Autodiff.jacfwd(f).apply(List.of(a, b)), Autodiff.jacrev(f).apply(List.of(a, b)))) {
            assertArrayEquals(new double[] {4, 0, 0, 0, 5, 0, 0, 0, 6}, j.get(0).toArray(), 0.0);
            assertArrayEquals(new double[] {1, 0, 0, 0, 2, 0, 0, 0, 3}, j.get(1).toArray(), 0.0);
        }
    }

    // ------------------------------------------------------------------ higher derivatives of scalars

    @Test
    void gradOfGradOfAScalarFunction() {
        // f(x) = exp(sin x): f' = cos x·e^{sin x}, f'' = (cos²x − sin x)·e^{sin x}, f''' by hand.
        Function<Tensor, Tensor> f = x -> x.sin().exp();
        Function<Tensor, Tensor> f1 = Autodiff.grad(f);
        Function<Tensor, Tensor> f2 = Autodiff.grad(f1);
        Function<Tensor, Tensor> f3 = Autodiff.grad(f2);
        for (double v : new double[] {-2.0, -0.3, 0.0, 0.7, 1.9}) {
            Tensor x = Tensor.scalar(v);
            double e = Math.exp(Math.sin(v));
            double c = Math.cos(v);
            double s = Math.sin(v);
            assertEquals(c * e, f1.apply(x).item(), 1e-14);
            assertEquals((c * c - s) * e, f2.apply(x).item(), 1e-14);
            // f''' = (−2cs − c)e + (c² − s)c·e
            assertEquals((-2 * c * s - c + (c * c - s) * c) * e, f3.apply(x).item(), 1e-13);
            // The same by forward mode and mixed modes.
            Tensor one = Tensor.scalar(1.0);
            assertEquals((c * c - s) * e,
                    Autodiff.jvp((Tensor z) -> Autodiff.jvp(f, z, one).tangent(), x, one).tangent().item(), 1e-14);
            assertEquals((c * c - s) * e, Autodiff.jvp(f1, x, one).tangent().item(), 1e-14);
            assertEquals((c * c - s) * e,
                    Autodiff.grad((Tensor z) -> Autodiff.jvp(f, z, one).tangent()).apply(x).item(), 1e-14);
        }
        // 1/x: the n-th derivative is (−1)ⁿ n!/xⁿ⁺¹.
        Function<Tensor, Tensor> g = Tensor::reciprocal;
        Function<Tensor, Tensor> d = g;
        double fact = 1;
        for (int order = 1; order <= 5; order++) {
            d = Autodiff.grad(d);
            fact *= order;
            double expected = (order % 2 == 0 ? 1 : -1) * fact / Math.pow(2.0, order + 1);
            assertEquals(expected, d.apply(Tensor.scalar(2.0)).item(), 1e-12 * Math.abs(expected));
        }
    }

    @Test
    void valueAndGradGivesBoth() {
        Tensor x = Tensor.of(1, -2, 3);
        Autodiff.ValueAndGrad<Tensor> vg = Autodiff.valueAndGrad((Tensor z) -> z.pow(3.0).sum()).apply(x);
        assertEquals(1 - 8 + 27, vg.value().item(), 1e-14);
        assertFalse(vg.value().isTraced());
        assertArrayEquals(new double[] {3, 12, 27}, vg.gradient().toArray(), 1e-13);
    }

    // ------------------------------------------------------------------ perturbation confusion

    private static final Tensor ONE = Tensor.scalar(1.0);

    /** d/dy g(y) at y0, by reverse mode (reverse == true) or forward mode. */
    private static Tensor derivative(boolean reverse, Function<Tensor, Tensor> g, Tensor y0) {
        return reverse ? Autodiff.grad(g).apply(y0) : Autodiff.jvp(g, y0, ONE).tangent();
    }

    @Test
    void noPerturbationConfusionInAnyModeCombination() {
        for (boolean outerReverse : new boolean[] {true, false}) {
            for (boolean innerReverse : new boolean[] {true, false}) {
                String modes = (outerReverse ? "grad" : "jvp") + "/" + (innerReverse ? "grad" : "jvp");
                // d/dx [x · d/dy (x + y)] = d/dx [x · 1] = 1 (a confused implementation gives 2).
                Function<Tensor, Tensor> f = x -> x.mul(derivative(innerReverse, y -> x.add(y), Tensor.scalar(0.5)));
                assertEquals(1.0, derivative(outerReverse, f, Tensor.scalar(3.0)).item(), 0.0, modes);
                // Siskind & Pearlmutter: d/dx [x · (d/dy (x·y))|_{y=2}] at x = 1 is d/dx x² = 2.
                Function<Tensor, Tensor> g = x -> x.mul(derivative(innerReverse, y -> x.mul(y), Tensor.scalar(2.0)));
                assertEquals(2.0, derivative(outerReverse, g, ONE).item(), 0.0, modes);
                // Three levels: d/dx [x · d/dy [y · d/dz (x·y·z)]] = d/dx [x · d/dy (x·y²)] = d/dx 2x²y = 4xy
                // at y = 3 inside; the innermost derivative is x·y, so the middle is d/dy (y·x·y) = 2xy.
                Function<Tensor, Tensor> h = x -> x.mul(derivative(innerReverse,
                        y -> y.mul(derivative(outerReverse, z -> x.mul(y).mul(z), Tensor.scalar(5.0))),
                        Tensor.scalar(3.0)));
                // h(x) = x · 2·x·3 = 6x² → h'(x) = 12x = 18 at x = 1.5.
                assertEquals(18.0, derivative(outerReverse, h, Tensor.scalar(1.5)).item(), 1e-14, modes);
            }
        }
    }
}
