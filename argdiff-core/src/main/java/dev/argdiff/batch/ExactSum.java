package dev.argdiff.batch;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Exact sums of double vectors: every component keeps its running sum as a short list of
 * non-overlapping doubles (Shewchuk, "Adaptive Precision Floating-Point Arithmetic and Fast
 * Robust Geometric Predicates", 1997; the algorithm of Python's {@code math.fsum}), and
 * {@link #round} returns the exact sum rounded once to the nearest double.
 *
 * <p>Why: the result is then a function of the multiset of added values only — not of their
 * order, of how they were split between threads or Spark partitions, or of the merge tree —
 * so a batch gives bit-identical sums for any thread count or partitioning, without shipping
 * per-task values to one place to add them in task order. The cost is a few additions per
 * component and task (the lists stay short: 1–3 terms in practice).
 */
final class ExactSum implements Serializable {
    private static final long serialVersionUID = 1L;

    /** partials[i][0..counts[i]): non-overlapping, increasing magnitude; their exact sum is component i. */
    private final double[][] partials;
    private final int[] counts;

    ExactSum(int n) {
        partials = new double[n][2];
        counts = new int[n];
    }

    int size() {
        return counts.length;
    }

    /** Adds {@code x} exactly to component i; x must be finite. */
    void add(int i, double x) {
        double[] p = partials[i];
        int n = counts[i];
        int k = 0;
        for (int j = 0; j < n; j++) {
            double y = p[j];
            if (Math.abs(x) < Math.abs(y)) {
                double t = x;
                x = y;
                y = t;
            }
            double hi = x + y;
            double lo = y - (hi - x);
            if (lo != 0.0) {
                p[k++] = lo;
            }
            x = hi;
        }
        if (!Double.isFinite(x)) {
            // Only reachable when the exact sum leaves the double range: no finite answer exists.
            throw new ArithmeticException("exact sum: component " + i + " overflows the double range");
        }
        if (k == p.length) {
            p = Arrays.copyOf(p, 2 * p.length);
            partials[i] = p;
        }
        p[k++] = x;
        counts[i] = k;
    }

    /** Adds the values to components 0..values.length − 1. */
    void addAll(double[] values) {
        if (values.length != counts.length) {
            throw new IllegalArgumentException("exact sum: " + values.length + " values for " + counts.length
                    + " components");
        }
        for (int i = 0; i < values.length; i++) {
            add(i, values[i]);
        }
    }

    /** Adds every component of {@code other} exactly (other is not changed). */
    void merge(ExactSum other) {
        if (other.counts.length != counts.length) {
            throw new IllegalArgumentException("exact sum: cannot merge " + other.counts.length + " components into "
                    + counts.length);
        }
        for (int i = 0; i < counts.length; i++) {
            double[] q = other.partials[i];
            for (int j = 0; j < other.counts[i]; j++) {
                add(i, q[j]);
            }
        }
    }

    /** Component i: the exact sum correctly rounded to the nearest double (ties to even). */
    double round(int i) {
        double[] p = partials[i];
        int n = counts[i];
        if (n == 0) {
            return 0.0;
        }
        n--;
        double hi = p[n];
        double lo = 0.0;
        while (n > 0) {
            double x = hi;
            double y = p[--n];
            hi = x + y;
            double yr = hi - x;
            lo = y - yr;
            if (lo != 0.0) {
                break;
            }
        }
        // Half-way case: the rest of the partials decide whether hi + lo rounds up or down.
        if (n > 0 && ((lo < 0 && p[n - 1] < 0) || (lo > 0 && p[n - 1] > 0))) {
            double y = lo * 2;
            double x = hi + y;
            double yr = x - hi;
            if (y == yr) {
                hi = x;
            }
        }
        return hi;
    }

    double[] round() {
        double[] out = new double[counts.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = round(i);
        }
        return out;
    }
}
