package dev.argdiff.projection;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.tensor.ShapeException;
import dev.argdiff.tensor.Shapes;
import dev.argdiff.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Isotonic regression in the L2 sense (JAXopt {@code isotonic_l2_pav}): the projection onto the
 * monotone cone, optionally within bounds,
 * <pre>
 *   x*(y) = argmin ½‖x − y‖²   s.t.  x₁ ≤ x₂ ≤ … ≤ xₙ  (increasing; ≥ for decreasing),  yMin ≤ xᵢ ≤ yMax
 * </pre>
 * solved exactly by pool-adjacent-violators (Ayer et al. 1955; Best &amp; Chakravarti 1990) in
 * O(n): the solution is piecewise constant, each block equal to the mean of y over it, and the
 * bounded solution is the unbounded one clipped to [yMin, yMax].
 *
 * <p><b>Derivative</b> (exact, both modes, any order): on each block B the output is the mean of
 * y over B, so the Jacobian of x* averages the tangent over each block — a symmetric projection P, which is
 * also the VJP — and is zero at clipped entries. The blocks are found on concrete values; the
 * Jacobian is locally constant, so higher derivatives are 0. Where two adjacent blocks have equal
 * means the function is not differentiable; PAV keeps them as separate blocks (the one-sided
 * derivative of that choice), as a tie has probability zero for continuous data. Blondel,
 * Teboul, Berthet, Djolonga, "Fast differentiable sorting and ranking", ICML 2020, §5.
 *
 * <p>Shapes: y of rank 1, or rank 2 with one independent problem per row (along the last axis).
 */
public final class Isotonic {
    private Isotonic() {
    }

    /** Increasing isotonic regression without bounds. */
    public static Tensor isotonicL2(Tensor y) {
        return isotonicL2(y, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, true);
    }

    /** Increasing (true) or decreasing (false) isotonic regression without bounds. */
    public static Tensor isotonicL2(Tensor y, boolean increasing) {
        return isotonicL2(y, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, increasing);
    }

    /**
     * Isotonic regression within [yMin, yMax] (−∞ and +∞ for none).
     *
     * @throws IllegalArgumentException if y is null or not finite, yMin &gt; yMax, or a bound is NaN
     * @throws ShapeException           unless y has rank 1 or 2
     */
    public static Tensor isotonicL2(Tensor y, double yMin, double yMax, boolean increasing) {
        String op = "Isotonic.isotonicL2";
        if (y == null) {
            throw new IllegalArgumentException(op + ": y is null");
        }
        if (y.rank() != 1 && y.rank() != 2) {
            throw new ShapeException(op + ": y must have rank 1 or 2 (one problem per row), got shape "
                    + Shapes.str(y.shape()));
        }
        if (!y.isFinite()) {
            throw new IllegalArgumentException(op + ": y contains NaN or an infinity");
        }
        if (Double.isNaN(yMin) || Double.isNaN(yMax) || yMin > yMax) {
            throw new IllegalArgumentException(op + ": need yMin <= yMax, got yMin = " + yMin + ", yMax = " + yMax);
        }
        Function<Tensor, Tensor> f = Autodiff.customDerivatives(
                (Tensor v) -> solve(v, yMin, yMax, increasing),
                (v, out, t) -> applyJacobian(v, t, yMin, yMax, increasing),
                (v, out, ct) -> applyJacobian(v, ct, yMin, yMax, increasing));
        return f.apply(y);
    }

    /** PAV on concrete values, row by row. */
    private static Tensor solve(Tensor y, double yMin, double yMax, boolean increasing) {
        int n = y.dim(y.rank() - 1);
        int rows = y.rank() == 1 ? 1 : y.dim(0);
        double[] v = y.toArray();
        double[] out = new double[v.length];
        for (int r = 0; r < rows; r++) {
            Blocks b = Blocks.of(v, r * n, n, increasing);
            for (int k = 0; k < b.count; k++) {
                double value = Math.min(Math.max(b.mean[k], yMin), yMax);
                for (int i = b.start[k]; i < b.start[k + 1]; i++) {
                    out[r * n + i] = value;
                }
            }
        }
        return Tensor.of(y.shape(), out);
    }

    /**
     * P·t: the tangent averaged over each block of the solution at y, zero at clipped entries;
     * written with tensor operations (linear in t, so it is its own transpose and differentiable).
     */
    private static Tensor applyJacobian(Tensor y, Tensor t, double yMin, double yMax, boolean increasing) {
        Tensor yc = y.concrete();
        if (y.rank() == 1) {
            return rowJacobian(yc.toArray(), 0, yc.size(), t, yMin, yMax, increasing);
        }
        int n = y.dim(1);
        double[] v = yc.toArray();
        List<Tensor> rows = new ArrayList<>(y.dim(0));
        for (int r = 0; r < y.dim(0); r++) {
            rows.add(rowJacobian(v, r * n, n, t.row(r), yMin, yMax, increasing));
        }
        return Tensor.stack(rows, 0);
    }

    private static Tensor rowJacobian(double[] v, int offset, int n, Tensor t, double yMin, double yMax,
                                      boolean increasing) {
        Blocks b = Blocks.of(v, offset, n, increasing);
        // S: k×n block indicators scaled by 1/|B| on the left factor, so P = Sᵀ·diag(1/|B|)·S.
        double[] indicator = new double[b.count * n];
        double[] average = new double[b.count * n];
        for (int k = 0; k < b.count; k++) {
            boolean clipped = b.mean[k] < yMin || b.mean[k] > yMax;
            int size = b.start[k + 1] - b.start[k];
            for (int i = b.start[k]; i < b.start[k + 1]; i++) {
                indicator[k * n + i] = 1;
                average[k * n + i] = clipped ? 0 : 1.0 / size;
            }
        }
        Tensor s = Tensor.of(new int[] {b.count, n}, indicator);
        Tensor a = Tensor.of(new int[] {b.count, n}, average);
        return s.transposeMatmul(a.matmul(t));
    }

    /** The blocks of the PAV solution of one row: block k covers [start[k], start[k+1]), with mean[k]. */
    private static final class Blocks {
        final int count;
        final int[] start;
        final double[] mean;

        private Blocks(int count, int[] start, double[] mean) {
            this.count = count;
            this.start = start;
            this.mean = mean;
        }

        static Blocks of(double[] v, int offset, int n, boolean increasing) {
            // Decreasing regression of y is minus the increasing regression of −y.
            double sign = increasing ? 1 : -1;
            int[] start = new int[n + 1];
            double[] sum = new double[n];
            int[] size = new int[n];
            int count = 0;
            for (int i = 0; i < n; i++) {
                start[count] = i;
                sum[count] = sign * v[offset + i];
                size[count] = 1;
                count++;
                // Pool while the last two blocks violate the order (strictly: ties stay separate).
                while (count > 1 && sum[count - 2] * size[count - 1] > sum[count - 1] * size[count - 2]) {
                    sum[count - 2] += sum[count - 1];
                    size[count - 2] += size[count - 1];
                    count--;
                }
            }
            start[count] = n;
            double[] mean = new double[count];
            for (int k = 0; k < count; k++) {
                mean[k] = sign * sum[k] / size[k];
            }
            return new Blocks(count, start, mean);
        }
    }
}
