package dev.argdiff.solvers;

import dev.argdiff.testing.PlainLinearAlgebra;

/**
 * The reference solution of a small strictly convex QP min ½xᵀQx + cᵀx s.t. Ax = b, Gx ≤ h by
 * exhaustive enumeration of the active sets: for every subset S of the inequalities, solve the
 * equality QP with Ax = b and G_S x = h_S by plain elimination and keep the point that is feasible
 * with non-negative multipliers (unique for Q positive definite). Plain Java, independent of the
 * solvers under test; exponential in m, for m ≤ 16.
 */
final class ActiveSetEnumeration {
    private ActiveSetEnumeration() {
    }

    /** The solution (x, ν, λ) and its active set. */
    record Solution(double[] x, double[] nu, double[] lambda, boolean[] active) {
    }

    static Solution solve(double[] q, double[] c, double[] a, double[] b, double[] g, double[] h, int n, int p, int m) {
        if (m > 16) {
            throw new IllegalArgumentException("enumeration is for m ≤ 16, got " + m);
        }
        Solution best = null;
        for (int mask = 0; mask < (1 << m); mask++) {
            int k = Integer.bitCount(mask);
            if (p + k > n) {
                continue;
            }
            double[] rows = new double[(p + k) * n];
            double[] rhs = new double[p + k];
            System.arraycopy(a, 0, rows, 0, p * n);
            System.arraycopy(b, 0, rhs, 0, p);
            int r = p;
            for (int i = 0; i < m; i++) {
                if ((mask & (1 << i)) != 0) {
                    System.arraycopy(g, i * n, rows, r * n, n);
                    rhs[r++] = h[i];
                }
            }
            double[] z;
            try {
                z = QpFixtures.equalityQp(q, c, rows, rhs, n, p + k);
            } catch (ArithmeticException singular) {
                continue;
            }
            double[] x = java.util.Arrays.copyOf(z, n);
            double[] gx = QpFixtures.matvec(g, m, n, x);
            boolean ok = true;
            double[] lambda = new double[m];
            r = p;
            for (int i = 0; i < m && ok; i++) {
                if ((mask & (1 << i)) != 0) {
                    lambda[i] = z[n + r++];
                    ok = lambda[i] >= -1e-10;
                } else {
                    ok = gx[i] <= h[i] + 1e-10;
                }
            }
            boolean finite = true;
            for (double v : z) {
                finite &= Double.isFinite(v) && Math.abs(v) < 1e12;
            }
            if (ok && finite) {
                boolean[] active = new boolean[m];
                for (int i = 0; i < m; i++) {
                    active[i] = (mask & (1 << i)) != 0;
                }
                Solution s = new Solution(x, java.util.Arrays.copyOfRange(z, n, n + p), lambda, active);
                if (best == null) {
                    best = s;
                } else if (QpFixtures.maxAbsDiff(best.x(), x) > 1e-8) {
                    throw new IllegalStateException("two different KKT points: the QP is not strictly convex");
                }
            }
        }
        if (best == null) {
            throw new IllegalStateException("no KKT point: the QP is infeasible");
        }
        return best;
    }

    /** The box l ≤ x ≤ u as G = [I; −I], h = [u; −l] (finite bounds only). */
    static Solution box(double[] q, double[] c, double[] l, double[] u, int n) {
        double[] g = new double[2 * n * n];
        double[] h = new double[2 * n];
        for (int i = 0; i < n; i++) {
            g[i * n + i] = 1;
            g[(n + i) * n + i] = -1;
            h[i] = u[i];
            h[n + i] = -l[i];
        }
        return solve(q, c, new double[0], new double[0], g, h, n, 0, 2 * n);
    }

    static double[] solveSquare(double[][] a, double[] b) {
        return PlainLinearAlgebra.solve(a, b);
    }
}
