package dev.argdiff.projection;

/**
 * The row potential α of a projection onto the transportation polytope, on concrete values (never
 * differentiated: {@link TransportPolytope} attaches the implicit derivative).
 *
 * <p>For a fixed α the projection separates by columns: column j of the plan is
 * p_j(α) = ∇φ_j(S_{:,j} + α), the maximizer of a regularized max over the scaled simplex b_j·Δ
 * (Blondel, Seguy, Rolet, "Smooth and sparse optimal transport", AISTATS 2018, the semi-dual of
 * their eq. 10). α is the minimizer of the convex semi-dual
 * <pre>
 *   h(α) = Σ_j φ_j(S_{:,j} + α) − ⟨a, α⟩ + (𝟙ᵀα)²/(2m),
 * </pre>
 * whose gradient F(α) = P(α)𝟙 − a + mean(α)·𝟙 vanishes exactly when the rows have the marginals a
 * (the last term fixes the potential's free constant: α + t𝟙 gives the same plan).
 */
final class TransportDual {

    private TransportDual() {
    }

    /**
     * The iteration limit of {@link #newton}. The Euclidean semi-dual is piecewise quadratic and its
     * Newton steps change the plan's support; with marginals far smaller than the spread of S (a
     * very sparse plan) this takes hundreds of iterations (measured: 60×80, S ~ 100·N(0, 1),
     * marginals ~ 1/60: 450 iterations, a few seconds).
     */
    static final int MAX_NEWTON = 2000;

    /** A column's regularized max: fills {@code p} with its maximizer, adds its Hessian to {@code hess}. */
    interface ColumnMax {
        /** φ(x) for the scale b; p = ∇φ(x); hess += ∇²φ(x) when hess is not null. */
        double apply(double[] x, double b, double[] p, double[][] hess);
    }

    /** ½‖·‖² regularization (the Euclidean projection): p = projection of x onto b·Δ. */
    static final ColumnMax EUCLIDEAN = (x, b, p, hess) -> {
        int m = x.length;
        double[] u = x.clone();
        java.util.Arrays.sort(u);
        double cum = 0;
        double tau = 0;
        for (int j = 1; j <= m; j++) {
            cum += u[m - j];
            double t = (cum - b) / j;
            if (u[m - j] - t > 0) {
                tau = t;
            }
        }
        double value = 0;
        int support = 0;
        for (int i = 0; i < m; i++) {
            p[i] = Math.max(x[i] - tau, 0);
            value += x[i] * p[i] - 0.5 * p[i] * p[i];
            if (p[i] > 0) {
                support++;
            }
        }
        if (hess != null) {
            for (int i = 0; i < m; i++) {
                if (p[i] > 0) {
                    hess[i][i] += 1;
                    for (int k = 0; k < m; k++) {
                        if (p[k] > 0) {
                            hess[i][k] -= 1.0 / support;
                        }
                    }
                }
            }
        }
        return value;
    };

    /** Entropic regularization (the KL projection): p = b·softmax(x), φ = b·logsumexp(x). */
    static final ColumnMax ENTROPIC = (x, b, p, hess) -> {
        int m = x.length;
        double max = Double.NEGATIVE_INFINITY;
        for (double v : x) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (int i = 0; i < m; i++) {
            p[i] = Math.exp(x[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < m; i++) {
            p[i] *= b / sum;
        }
        if (hess != null) {
            for (int i = 0; i < m; i++) {
                hess[i][i] += p[i];
                for (int k = 0; k < m; k++) {
                    hess[i][k] -= p[i] * p[k] / b;
                }
            }
        }
        return b * (max + Math.log(sum));
    };

    /**
     * Minimizes h by Newton's method with a backtracking (Armijo) line search, from {@code alpha}.
     * h is convex and piecewise quadratic (Euclidean) or smooth (entropic), so the damped Newton
     * iteration converges; a direction that fails the line search falls back to the gradient step
     * 1/L, where L = Σ_j L_j + 1 bounds h's curvature (L_j = 1 for the projection, which is
     * non-expansive, and b_j for b_j·logsumexp).
     *
     * @return α with ‖F(α)‖∞ ≤ tol, or null if {@value #MAX_NEWTON} iterations do not get there
     */
    static double[] newton(double[][] s, double[] a, double[] b, ColumnMax max, double[] alpha, double tol) {
        int m = a.length;
        double[] x = alpha.clone();
        double[] grad = new double[m];
        double[][] hess = new double[m][m];
        double lipschitz = 0;
        for (double bj : b) {
            lipschitz += max == ENTROPIC ? bj : 1;
        }
        lipschitz += 1;
        double reach = 1;
        double smin = Double.POSITIVE_INFINITY;
        double smax = Double.NEGATIVE_INFINITY;
        for (double[] row : s) {
            for (double v : row) {
                smin = Math.min(smin, v);
                smax = Math.max(smax, v);
            }
        }
        for (double v : a) {
            reach = Math.max(reach, v);
        }
        for (double v : b) {
            reach = Math.max(reach, v);
        }
        reach = 2 * (smax - smin) + 2 * reach;
        for (int it = 0; it < MAX_NEWTON; it++) {
            for (double[] row : hess) {
                java.util.Arrays.fill(row, 0);
            }
            double value = evaluate(s, a, b, max, x, grad, hess);
            double norm = 0;
            for (double g : grad) {
                norm = Math.max(norm, Math.abs(g));
            }
            if (norm <= tol) {
                return x;
            }
            if (!Double.isFinite(value) || !Double.isFinite(norm)) {
                return null;
            }
            double[] d = solveRegularized(hess, grad);
            // Potentials differ by at most the spread of S plus the marginals' sizes: a longer
            // Newton step (along a near-null direction of a disconnected support) is cut back to
            // that length here rather than by many halvings of the line search.
            double length = 0;
            for (double di : d) {
                length = Math.max(length, Math.abs(di));
            }
            if (length > reach) {
                for (int i = 0; i < m; i++) {
                    d[i] *= reach / length;
                }
            }
            double slope = 0;
            for (int i = 0; i < m; i++) {
                slope += grad[i] * d[i];
            }
            double[] trial = new double[m];
            double[] scratch = new double[m];
            boolean accepted = false;
            if (slope < 0) {
                for (double t = 1; t > 1e-12; t *= 0.5) {
                    for (int i = 0; i < m; i++) {
                        trial[i] = x[i] + t * d[i];
                    }
                    double trialValue = evaluate(s, a, b, max, trial, scratch, null);
                    // Near the solution the decrease of h (~‖F‖²) is below the rounding of h itself,
                    // so a step that reduces ‖F‖ is accepted as well.
                    if (trialValue <= value + 1e-4 * t * slope || maxAbs(scratch) <= 0.5 * norm) {
                        accepted = true;
                        break;
                    }
                }
            }
            if (!accepted) {
                for (int i = 0; i < m; i++) {
                    trial[i] = x[i] - grad[i] / lipschitz;
                }
            }
            x = trial;
        }
        return null;
    }

    private static double maxAbs(double[] v) {
        double r = 0;
        for (double x : v) {
            r = Math.max(r, Math.abs(x));
        }
        return r;
    }

    /** h(α), and its gradient into {@code grad}, its Hessian added to {@code hess} (if not null). */
    static double evaluate(double[][] s, double[] a, double[] b, ColumnMax max, double[] alpha, double[] grad,
                           double[][] hess) {
        int m = a.length;
        int n = b.length;
        double[] col = new double[m];
        double[] p = new double[m];
        double mean = 0;
        for (int i = 0; i < m; i++) {
            mean += alpha[i];
            grad[i] = -a[i];
        }
        mean /= m;
        double value = 0.5 * m * mean * mean;
        for (int i = 0; i < m; i++) {
            value -= a[i] * alpha[i];
            grad[i] += mean;
        }
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < m; i++) {
                col[i] = s[i][j] + alpha[i];
            }
            value += max.apply(col, b[j], p, hess);
            for (int i = 0; i < m; i++) {
                grad[i] += p[i];
            }
        }
        if (hess != null) {
            for (int i = 0; i < m; i++) {
                for (int k = 0; k < m; k++) {
                    hess[i][k] += 1.0 / m;
                }
            }
        }
        return value;
    }

    /**
     * (H + δI)·d = −g by Gaussian elimination with partial pivoting; δ = 1e-12·(1 + max|Hᵢᵢ|) keeps
     * a Hessian that is singular (a disconnected support) solvable — the line search judges the step.
     */
    private static double[] solveRegularized(double[][] h, double[] g) {
        int m = g.length;
        double diag = 0;
        for (int i = 0; i < m; i++) {
            diag = Math.max(diag, Math.abs(h[i][i]));
        }
        double delta = 1e-12 * (1 + diag);
        double[][] w = new double[m][m + 1];
        for (int i = 0; i < m; i++) {
            System.arraycopy(h[i], 0, w[i], 0, m);
            w[i][i] += delta;
            w[i][m] = -g[i];
        }
        for (int c = 0; c < m; c++) {
            int piv = c;
            for (int r = c + 1; r < m; r++) {
                if (Math.abs(w[r][c]) > Math.abs(w[piv][c])) {
                    piv = r;
                }
            }
            double[] tmp = w[c];
            w[c] = w[piv];
            w[piv] = tmp;
            double pv = w[c][c];
            for (int r = c + 1; r < m; r++) {
                double f = w[r][c] / pv;
                if (f != 0) {
                    for (int k = c; k <= m; k++) {
                        w[r][k] -= f * w[c][k];
                    }
                }
            }
        }
        double[] d = new double[m];
        for (int r = m - 1; r >= 0; r--) {
            double v = w[r][m];
            for (int k = r + 1; k < m; k++) {
                v -= w[r][k] * d[k];
            }
            d[r] = v / w[r][r];
        }
        return d;
    }

    /**
     * The number of connected components of the plan's support, a bipartite graph on the m rows and
     * n columns with an edge where P_ij &gt; 0 (1 for a plan whose rows and columns all exchange mass).
     */
    static int supportComponents(double[][] s, double[] b, ColumnMax max, double[] alpha) {
        int m = alpha.length;
        int n = b.length;
        int[] parent = new int[m + n];
        for (int k = 0; k < parent.length; k++) {
            parent[k] = k;
        }
        int components = m + n;
        double[] col = new double[m];
        double[] p = new double[m];
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < m; i++) {
                col[i] = s[i][j] + alpha[i];
            }
            max.apply(col, b[j], p, null);
            for (int i = 0; i < m; i++) {
                if (p[i] > 0) {
                    int r1 = root(parent, i);
                    int r2 = root(parent, m + j);
                    if (r1 != r2) {
                        parent[r1] = r2;
                        components--;
                    }
                }
            }
        }
        return components;
    }

    private static int root(int[] parent, int k) {
        while (parent[k] != k) {
            parent[k] = parent[parent[k]];
            k = parent[k];
        }
        return k;
    }

    /**
     * Sinkhorn's scaling in the log domain (Sinkhorn and Knopp 1967; Cuturi, "Sinkhorn distances",
     * NeurIPS 2013): g_j = log b_j − logsumexp_i(S_ij + f_i), f_i = log a_i − logsumexp_j(S_ij + g_j),
     * until the column sums of exp(S_ij + f_i + g_j) are within {@code tol} of b (the rows are exact
     * after each f update), or {@code maxiter} sweeps. Returns f, the row potential.
     */
    static double[] sinkhorn(double[][] s, double[] a, double[] b, int maxiter, double tol) {
        int m = a.length;
        int n = b.length;
        double[] f = new double[m];
        double[] g = new double[n];
        double[] buf = new double[Math.max(m, n)];
        for (int it = 0; it < maxiter; it++) {
            for (int j = 0; j < n; j++) {
                for (int i = 0; i < m; i++) {
                    buf[i] = s[i][j] + f[i];
                }
                g[j] = Math.log(b[j]) - logSumExp(buf, m);
            }
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    buf[j] = s[i][j] + g[j];
                }
                f[i] = Math.log(a[i]) - logSumExp(buf, n);
            }
            double violation = 0;
            for (int j = 0; j < n; j++) {
                double c = 0;
                for (int i = 0; i < m; i++) {
                    c += Math.exp(s[i][j] + f[i] + g[j]);
                }
                violation = Math.max(violation, Math.abs(c - b[j]));
            }
            if (violation <= tol) {
                break;
            }
        }
        return f;
    }

    private static double logSumExp(double[] v, int len) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < len; i++) {
            max = Math.max(max, v[i]);
        }
        double sum = 0;
        for (int i = 0; i < len; i++) {
            sum += Math.exp(v[i] - max);
        }
        return max + Math.log(sum);
    }
}
