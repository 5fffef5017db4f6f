package dev.argdiff.solvers;

import dev.argdiff.tensor.Tensor;

import java.util.Arrays;

/** Shape and value checks shared by the quadratic-programming solvers (concrete values only). */
final class QpChecks {
    private QpChecks() {
    }

    /** Q must be n×n, finite and symmetric (the solvers and the KKT conditions use ½xᵀQx with Q = Qᵀ). */
    static int requireSymmetric(String where, Tensor q) {
        if (q == null) {
            throw new IllegalArgumentException(where + ": q is null");
        }
        int[] s = q.shape();
        if (s.length != 2 || s[0] != s[1]) {
            throw new IllegalArgumentException(where + ": q must be a square matrix, got shape " + Arrays.toString(s));
        }
        int n = s[0];
        double[] a = q.concrete().toArray();
        double scale = 0;
        for (double v : a) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException(where + ": q holds a non-finite entry " + v);
            }
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                if (Math.abs(a[i * n + j] - a[j * n + i]) > 1e-12 * scale) {
                    throw new IllegalArgumentException(where + ": q must be symmetric, but q[" + i + ", " + j + "] = "
                            + a[i * n + j] + " and q[" + j + ", " + i + "] = " + a[j * n + i]
                            + "; pass (Q + Qᵀ)/2, which defines the same objective");
                }
            }
        }
        return n;
    }

    static void requireVector(String where, String name, Tensor v, int length) {
        if (v == null) {
            throw new IllegalArgumentException(where + ": " + name + " is null");
        }
        if (v.rank() != 1 || v.dim(0) != length) {
            throw new IllegalArgumentException(where + ": " + name + " must have shape [" + length + "], got "
                    + Arrays.toString(v.shape()));
        }
    }

    static void requireFinite(String where, String name, Tensor v) {
        for (double x : v.concrete().toArray()) {
            if (Double.isNaN(x) || Double.isInfinite(x)) {
                throw new IllegalArgumentException(where + ": " + name + " holds a non-finite entry " + x);
            }
        }
    }

    /** A matrix with {@code cols} columns; returns its number of rows. */
    static int requireMatrix(String where, String name, Tensor m, int cols) {
        if (m == null) {
            throw new IllegalArgumentException(where + ": " + name + " is null");
        }
        int[] s = m.shape();
        if (s.length != 2 || s[1] != cols) {
            throw new IllegalArgumentException(where + ": " + name + " must have shape [m, " + cols + "], got "
                    + Arrays.toString(s));
        }
        requireFinite(where, name, m);
        return s[0];
    }

    static double maxAbs(double[] v) {
        double m = 0;
        for (double x : v) {
            m = Math.max(m, Math.abs(x));
            if (Double.isNaN(x)) {
                return Double.NaN;
            }
        }
        return m;
    }
}
