package dev.argdiff.solvers;

import dev.argdiff.ad.Pytree;
import dev.argdiff.tensor.Tensor;

/**
 * The concrete values of a tree of tensors as one flat {@code double[]}, and the few loops the
 * first-order solvers run on them: their stopping measures and line-search tests (never
 * differentiated), and their updates where no transform traces the iterates (a solver under
 * implicit differentiation, or a plain run). One loop over a flat array replaces a handful of
 * element-wise tensor operations, each allocating its result and dispatching through the trace
 * machinery; on the 200×50 lasso that overhead, not the two matrix-vector products, was most of
 * an iteration. Package-private helper of the solvers.
 */
final class FlatValues {
    private FlatValues() {
    }

    /** Whether no leaf of any of these trees is traced (then the solver's own arithmetic may run on arrays). */
    static boolean concrete(Object a, Object b) {
        return isConcrete(a) && isConcrete(b);
    }

    private static boolean isConcrete(Object tree) {
        return tree instanceof Tensor t ? !t.isTraced() : Pytree.isConcrete(tree);
    }

    /** All leaf values of a tree, concatenated (the concrete values; a copy). */
    static double[] values(Object tree) {
        return tree instanceof Tensor t ? t.toArray() : Pytree.toArray(tree);
    }

    /** A tree shaped like {@code like} holding {@code values} (concrete). */
    @SuppressWarnings("unchecked")
    static <X> X tree(X like, double[] values) {
        return like instanceof Tensor t ? (X) Tensor.of(t.shape(), values) : Pytree.fromArray(like, values);
    }

    /** Whether every entry is finite. */
    static boolean allFinite(double[] v) {
        for (double e : v) {
            if (!Double.isFinite(e)) {
                return false;
            }
        }
        return true;
    }

    /** Σ aᵢ·bᵢ, summed in order. */
    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** ‖a − b‖², summed in order. */
    static double squaredDistance(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            s += d * d;
        }
        return s;
    }

    /** ⟨a − b, c⟩, summed in order. */
    static double dotOfDifference(double[] a, double[] b, double[] c) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (a[i] - b[i]) * c[i];
        }
        return s;
    }

    /** ⟨a − b, c − d⟩, summed in order. */
    static double dotOfDifferences(double[] a, double[] b, double[] c, double[] d) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (a[i] - b[i]) * (c[i] - d[i]);
        }
        return s;
    }

    /** x − s·g, entry by entry (the same roundings as {@code x.sub(g.mul(s))}). */
    static double[] step(double[] x, double s, double[] g) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] - g[i] * s;
        }
        return out;
    }

    /** a + (a − b)·m, entry by entry (the same roundings as {@code a.add(a.sub(b).mul(m))}). */
    static double[] extrapolate(double[] a, double[] b, double m) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] + (a[i] - b[i]) * m;
        }
        return out;
    }
}
