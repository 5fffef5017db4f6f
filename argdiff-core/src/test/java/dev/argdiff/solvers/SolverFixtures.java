package dev.argdiff.solvers;

import dev.argdiff.linalg.dense.SymmetricEigen;
import dev.argdiff.prox.ProxOperator;
import dev.argdiff.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * Seeded test problems for the solver tests, and the plain dense linear algebra (Gaussian
 * elimination on Java arrays) that computes their reference answers independently of argdiff.
 */
final class SolverFixtures {
    private SolverFixtures() {
    }

    /** A regression data set with a hyperparameter λ (a 0-d tensor, differentiated). */
    record Regression(Tensor x, Tensor y, Tensor lam) {
        Regression withLam(Tensor value) {
            return new Regression(x, y, value);
        }

        int n() {
            return x.dim(0);
        }

        int p() {
            return x.dim(1);
        }
    }

    /** A seeded n×p regression problem y = X·w + noise with some negative and some zero true weights. */
    static Regression regression(long seed, int n, int p) {
        Tensor x = Tensor.randomNormal(seed, n, p);
        double[] w = new double[p];
        for (int j = 0; j < p; j++) {
            w[j] = (j % 3 == 0) ? 0.0 : (j % 3 == 1 ? 1.0 + 0.3 * j : -0.8 - 0.2 * j);
        }
        Tensor y = x.matmul(Tensor.of(w)).add(Tensor.randomNormal(seed + 1, n).mul(0.5));
        return new Regression(x, y, Tensor.scalar(0.0));
    }

    // ------------------------------------------------------------------ objectives

    /** ½·mean((X w − y)²). */
    static Tensor leastSquares(Tensor w, Regression a) {
        return a.x().matmul(w).sub(a.y()).square().mean().mul(0.5);
    }

    /** ½·mean((X w − y)²) + ½·λ‖w‖². */
    static Tensor ridge(Tensor w, Regression a) {
        return leastSquares(w, a).add(a.lam().mul(0.5).mul(w.squaredNorm()));
    }

    /** Soft thresholding: the prox of λ‖·‖₁ (elementwise, so it serves as a block prox too). */
    static final ProxOperator<Tensor, Regression> SOFT_THRESHOLD =
            (w, a, s) -> w.sign().mul(w.abs().sub(a.lam().mul(s)).relu());

    /** The prox of (λ/2)‖·‖². */
    static final ProxOperator<Tensor, Regression> RIDGE_PROX = (w, a, s) -> w.div(a.lam().mul(s).add(1.0));

    /** The largest eigenvalue of XᵀX/n: the Lipschitz constant of the least-squares gradient. */
    static double lipschitz(Regression a) {
        int p = a.p();
        double[] ev = SymmetricEigen.eigenvaluesOf(gram(a), p);
        double max = 0;
        for (double v : ev) {
            max = Math.max(max, v);
        }
        return max;
    }

    /** λ_max = max|Xᵀy|/n: the smallest λ whose lasso solution is 0. */
    static double lambdaMax(Regression a) {
        double[] c = xty(a);
        double m = 0;
        for (double v : c) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    /** XᵀX/n, row-major. */
    static double[] gram(Regression a) {
        int n = a.n();
        int p = a.p();
        double[] x = a.x().toArray();
        double[] g = new double[p * p];
        for (int i = 0; i < p; i++) {
            for (int j = 0; j < p; j++) {
                double s = 0;
                for (int r = 0; r < n; r++) {
                    s += x[r * p + i] * x[r * p + j];
                }
                g[i * p + j] = s / n;
            }
        }
        return g;
    }

    /** Xᵀy/n. */
    static double[] xty(Regression a) {
        int n = a.n();
        int p = a.p();
        double[] x = a.x().toArray();
        double[] y = a.y().toArray();
        double[] c = new double[p];
        for (int j = 0; j < p; j++) {
            double s = 0;
            for (int r = 0; r < n; r++) {
                s += x[r * p + j] * y[r];
            }
            c[j] = s / n;
        }
        return c;
    }

    /** Xᵀ(X w − y)/n: the least-squares gradient, in plain arithmetic. */
    static double[] leastSquaresGradient(Regression a, double[] w) {
        double[] g = gram(a);
        double[] c = xty(a);
        int p = w.length;
        double[] out = new double[p];
        for (int i = 0; i < p; i++) {
            double s = -c[i];
            for (int j = 0; j < p; j++) {
                s += g[i * p + j] * w[j];
            }
            out[i] = s;
        }
        return out;
    }

    /** The ridge solution (XᵀX/n + λI)⁻¹Xᵀy/n. */
    static double[] ridgeSolution(Regression a, double lam) {
        int p = a.p();
        double[] h = gram(a);
        for (int i = 0; i < p; i++) {
            h[i * p + i] += lam;
        }
        return solve(h, xty(a), p);
    }

    /** dw/dλ of the ridge solution: −(XᵀX/n + λI)⁻¹ w. */
    static double[] ridgeDerivative(Regression a, double lam) {
        int p = a.p();
        double[] w = ridgeSolution(a, lam);
        double[] h = gram(a);
        for (int i = 0; i < p; i++) {
            h[i * p + i] += lam;
        }
        double[] d = solve(h, w, p);
        for (int i = 0; i < p; i++) {
            d[i] = -d[i];
        }
        return d;
    }

    /**
     * dw/dλ of a solution with support S (indices where w ≠ 0): on S,
     * −(X_Sᵀ X_S/n + ridge·I)⁻¹ r_S with r = sign(w) (lasso, ridge 0) or r = w (non-negative ridge);
     * 0 off S.
     */
    static double[] supportDerivative(Regression a, double[] w, double ridge, boolean lasso) {
        int p = a.p();
        double[] g = gram(a);
        List<Integer> support = new ArrayList<>();
        for (int j = 0; j < p; j++) {
            if (w[j] != 0) {
                support.add(j);
            }
        }
        int k = support.size();
        double[] h = new double[k * k];
        double[] r = new double[k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                h[i * k + j] = g[support.get(i) * p + support.get(j)] + (i == j ? ridge : 0);
            }
            double wi = w[support.get(i)];
            r[i] = lasso ? Math.signum(wi) : wi;
        }
        double[] d = solve(h, r, k);
        double[] out = new double[p];
        for (int i = 0; i < k; i++) {
            out[support.get(i)] = -d[i];
        }
        return out;
    }

    /** Solves the k×k system A·x = b (row-major A) by Gaussian elimination with partial pivoting. */
    static double[] solve(double[] a, double[] b, int k) {
        return dev.argdiff.testing.PlainLinearAlgebra.solve(a, k, b);
    }

    // ------------------------------------------------------------------ a contraction

    /**
     * T(x, θ) = θ·c + M·tanh(x − θ·c) with M symmetric, eigenvalues evenly spread in
     * [−0.9, 0.9]: a contraction (factor 0.9) whose fixed point is x* = θ·c, so dx and dθ
     * are known in closed form (dx/dθ = c).
     */
    record Contraction(Tensor m, Tensor c) {
        static Contraction of(long seed, int n) {
            Tensor v = Tensor.randomNormal(seed, n);
            Tensor h = Tensor.eye(n).sub(v.outer(v).mul(2 / v.squaredNorm().item()));  // a Householder reflection
            Tensor m = h.matmul(Tensor.linspace(-0.9, 0.9, n).reshape(n, 1).mul(h));
            m = m.add(m.transpose()).mul(0.5);
            return new Contraction(m, Tensor.randomNormal(seed + 1, n));
        }

        BiFunction<Tensor, Tensor, Tensor> map() {
            return (x, theta) -> {
                Tensor center = c.mul(theta);
                return center.add(m.matmul(x.sub(center).tanh()));
            };
        }
    }

    static double maxAbsDiff(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("lengths " + a.length + " and " + b.length);
        }
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    static double maxAbs(double[] a) {
        double m = 0;
        for (double v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
