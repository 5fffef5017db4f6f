package dev.argdiff.solvers;

import dev.argdiff.linalg.LinearOperator;
import dev.argdiff.linalg.LinearSolve;
import dev.argdiff.linalg.LinearSolver;
import dev.argdiff.linalg.dense.LU;
import dev.argdiff.linalg.dense.SingularMatrixException;
import dev.argdiff.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The search direction of {@link LBFGSB}: the generalized Cauchy point of the quadratic model
 * along the projected gradient path, then minimization of the model over the variables left free
 * there (Byrd, Lu, Nocedal and Zhu 1995, Algorithm CP and the direct primal method of §5.1), with
 * the limited-memory matrix in compact form (Byrd, Nocedal and Schnabel 1994):
 * <pre>
 *   B = θI − W·M·Wᵀ,   W = [Y  θS],   M⁻¹ = K = [ −D  Lᵀ ; L  θSᵀS ]
 * </pre>
 * with S, Y the stored pairs as columns (oldest first), D = diag(sᵢᵀyᵢ) and L the strictly lower
 * triangle of SᵀY. The model's reduced inverse on the free set Z is, by Sherman–Morrison–Woodbury,
 * (ZᵀBZ)⁻¹ = I/θ + ŴN⁻¹Ŵᵀ/θ² with Ŵ = ZᵀW and N = K − ŴᵀŴ/θ (one 2m×2m solve; the paper's
 * form (I − MŴᵀŴ/θ)⁻¹M is the same matrix without forming M).
 *
 * <p>{@link #plan} computes the direction on plain numbers and records every discrete choice
 * (which coordinates the Cauchy point fixes at which bound, its step, whether the subspace step
 * was projected or truncated, which coordinates end on a bound); {@link #replay} recomputes the
 * point from tensors with those choices held fixed, so that unrolling differentiates the step on
 * its piece. The solver takes the replayed point in every run, concrete or traced, so both take
 * bitwise the same steps (a checkpointed block recomputed traced must reproduce its first,
 * concrete evaluation); the plan's own x̄ only serves the decisions. Package-private.
 */
final class LbfgsbDirection {

    private LbfgsbDirection() {
    }

    /**
     * The point x̄ = x + d the line search aims at, and the choices that produced it.
     *
     * @param xbar       the end point, inside the box
     * @param cauchyTime t of the Cauchy point x − t·g (on the coordinates it does not fix)
     * @param cauchyAt   per coordinate: −1 / +1 fixed at the lower / upper bound by the Cauchy point, 0 free
     * @param projected  the subspace step was projected onto the box (Morales and Nocedal 2011); else truncated
     * @param alpha      the truncation factor of the subspace step (1 when projected)
     * @param endAt      per coordinate: −1 / +1 when x̄ lies on that bound (fixed or reached), else 0
     * @param pairs      the number of newest pairs used (0 after a fallback to the scaled identity)
     */
    record Plan(double[] xbar, double cauchyTime, int[] cauchyAt, boolean projected, double alpha, int[] endAt,
                int pairs) {
    }

    /**
     * The plan at x with gradient g in the box [l, u], from the newest {@code pairs} pairs (rows
     * of s and y, oldest first), or null when the compact matrices are singular (the caller then
     * clears the memory) or the direction is not one of descent.
     */
    static Plan plan(double[] x, double[] g, double[] l, double[] u, double[][] s, double[][] y, double theta) {
        int n = x.length;
        int k = s.length;
        int m2 = 2 * k;
        double[] w = new double[n * m2];
        double[] kmat = new double[m2 * m2];
        double[] mmat = new double[m2 * m2];
        if (k > 0) {
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < k; j++) {
                    w[i * m2 + j] = y[j][i];
                    w[i * m2 + k + j] = theta * s[j][i];
                }
            }
            middle(s, y, theta, kmat);
            try {
                mmat = LU.factor(kmat, m2).inverse();
            } catch (SingularMatrixException singular) {
                return null;
            }
        }
        // ---- generalized Cauchy point (Algorithm CP)
        double[] t = new double[n];
        double[] d = new double[n];
        int[] cauchyAt = new int[n];
        int breakpoints = 0;
        for (int i = 0; i < n; i++) {
            if (g[i] < 0) {
                t[i] = (x[i] - u[i]) / g[i];
            } else if (g[i] > 0) {
                t[i] = (x[i] - l[i]) / g[i];
            } else {
                t[i] = Double.POSITIVE_INFINITY;
            }
            if (t[i] == 0) {
                cauchyAt[i] = g[i] > 0 ? -1 : 1;
            } else {
                d[i] = -g[i];
                if (t[i] < Double.POSITIVE_INFINITY) {
                    breakpoints++;
                }
            }
        }
        Integer[] order = new Integer[breakpoints];
        for (int i = 0, b = 0; i < n; i++) {
            if (t[i] > 0 && t[i] < Double.POSITIVE_INFINITY) {
                order[b++] = i;
            }
        }
        Arrays.sort(order, (a, b) -> Double.compare(t[a], t[b]));
        double[] p = mulT(w, n, m2, d);
        double[] mp = mul(mmat, m2, p);
        double[] mc = new double[m2];
        double fp = -FlatValues.dot(d, d);
        if (fp == 0) {
            // The projected gradient is zero: x is stationary for the box.
            return new Plan(x.clone(), 0.0, cauchyAt, true, 1.0, endAt(x, l, u), k);
        }
        double fpp = -theta * fp - FlatValues.dot(p, mp);
        if (!(fpp > 0) || Double.isInfinite(fpp)) {
            // dᵀBd ≤ 0: B lost positive definiteness to rounding; the caller clears the memory.
            return null;
        }
        double fpp0 = fpp;
        double dtMin = -fp / fpp;
        double told = 0;
        int next = 0;
        double tb = breakpoints > 0 ? t[order[0]] : Double.POSITIVE_INFINITY;
        while (next < breakpoints && dtMin >= tb - told) {
            int b = order[next];
            double dt = tb - told;
            double zb = (d[b] > 0 ? u[b] : l[b]) - x[b];
            cauchyAt[b] = d[b] > 0 ? 1 : -1;
            double gb = g[b];
            double[] mw = mulRow(mmat, m2, w, b);
            for (int j = 0; j < m2; j++) {
                mc[j] += dt * mp[j];
            }
            double wMc = 0;
            double wMp = 0;
            double wMw = 0;
            for (int j = 0; j < m2; j++) {
                double wb = w[b * m2 + j];
                wMc += wb * mc[j];
                wMp += wb * mp[j];
                wMw += wb * mw[j];
            }
            fp += dt * fpp + gb * gb + theta * gb * zb - gb * wMc;
            fpp += -theta * gb * gb - 2 * gb * wMp - gb * gb * wMw;
            // B is positive definite, so the second derivative along the path stays positive but for rounding.
            fpp = Math.max(fpp, Math.ulp(1.0) * fpp0);
            for (int j = 0; j < m2; j++) {
                mp[j] += gb * mw[j];
            }
            d[b] = 0;
            dtMin = -fp / fpp;
            told = tb;
            next++;
            tb = next < breakpoints ? t[order[next]] : Double.POSITIVE_INFINITY;
        }
        told += Math.max(dtMin, 0);
        double[] xcp = new double[n];
        for (int i = 0; i < n; i++) {
            xcp[i] = cauchyAt[i] < 0 ? l[i] : cauchyAt[i] > 0 ? u[i] : clip(x[i] + told * d[i], l[i], u[i]);
        }
        // ---- subspace minimization over the free coordinates (direct primal method)
        double[] z = new double[n];
        for (int i = 0; i < n; i++) {
            z[i] = xcp[i] - x[i];
        }
        double[] du = new double[n];
        boolean anyFree = false;
        for (int i = 0; i < n; i++) {
            anyFree |= cauchyAt[i] == 0;
        }
        if (anyFree) {
            double[] r = new double[n];
            double[] wmc = k > 0 ? mulN(w, n, m2, mul(mmat, m2, mulT(w, n, m2, z))) : new double[n];
            for (int i = 0; i < n; i++) {
                r[i] = cauchyAt[i] == 0 ? g[i] + theta * z[i] - wmc[i] : 0.0;
            }
            double[] correction = new double[n];
            if (k > 0) {
                double[] wtw = new double[m2 * m2];
                for (int i = 0; i < n; i++) {
                    if (cauchyAt[i] == 0) {
                        for (int a = 0; a < m2; a++) {
                            double wa = w[i * m2 + a];
                            for (int b = a; b < m2; b++) {
                                wtw[a * m2 + b] += wa * w[i * m2 + b];
                            }
                        }
                    }
                }
                double[] nmat = kmat.clone();
                for (int a = 0; a < m2; a++) {
                    for (int b = 0; b < m2; b++) {
                        nmat[a * m2 + b] -= wtw[Math.min(a, b) * m2 + Math.max(a, b)] / theta;
                    }
                }
                double[] v;
                try {
                    v = LU.factor(nmat, m2).solve(mulT(w, n, m2, r));
                } catch (SingularMatrixException singular) {
                    return null;
                }
                correction = mulN(w, n, m2, v);
            }
            for (int i = 0; i < n; i++) {
                if (cauchyAt[i] == 0) {
                    du[i] = -r[i] / theta - correction[i] / (theta * theta);
                }
            }
        }
        // Morales and Nocedal (2011): project the subspace minimizer onto the box; if that is not a
        // descent direction, truncate the step at the first bound instead (the 1995 paper's rule).
        double[] xbar = new double[n];
        double slope = 0;
        for (int i = 0; i < n; i++) {
            xbar[i] = cauchyAt[i] == 0 ? clip(xcp[i] + du[i], l[i], u[i]) : xcp[i];
            slope += g[i] * (xbar[i] - x[i]);
        }
        boolean projected = slope < 0;
        double alpha = 1;
        if (!projected) {
            for (int i = 0; i < n; i++) {
                if (cauchyAt[i] == 0 && du[i] != 0) {
                    double room = du[i] > 0 ? (u[i] - xcp[i]) / du[i] : (l[i] - xcp[i]) / du[i];
                    alpha = Math.min(alpha, Math.max(room, 0));
                }
            }
            slope = 0;
            for (int i = 0; i < n; i++) {
                xbar[i] = cauchyAt[i] == 0 ? clip(xcp[i] + alpha * du[i], l[i], u[i]) : xcp[i];
                slope += g[i] * (xbar[i] - x[i]);
            }
        }
        if (!(slope < 0) || !FlatValues.allFinite(xbar)) {
            return null;
        }
        return new Plan(xbar, told, cauchyAt, projected, alpha, endAt(xbar, l, u), k);
    }

    /**
     * x̄ of the plan recomputed from tensors (traced when unrolling) with the plan's choices held
     * fixed: the Cauchy step, the fixed coordinates, the projection or truncation and the
     * coordinates ending on a bound.
     *
     * @param s the newest {@code plan.pairs()} pairs, oldest first (shape [n] each)
     */
    static Tensor replay(Plan plan, Tensor x, Tensor g, Tensor l, Tensor u, List<Tensor> s, List<Tensor> y,
                         Tensor theta) {
        int n = x.size();
        int k = plan.pairs();
        double[] lowMask = new double[n];
        double[] highMask = new double[n];
        double[] freeMask = new double[n];
        for (int i = 0; i < n; i++) {
            lowMask[i] = plan.cauchyAt()[i] < 0 ? 1 : 0;
            highMask[i] = plan.cauchyAt()[i] > 0 ? 1 : 0;
            freeMask[i] = plan.cauchyAt()[i] == 0 ? 1 : 0;
        }
        Tensor free = Tensor.of(freeMask);
        Tensor xcp = Tensor.where(Tensor.of(lowMask), l,
                Tensor.where(Tensor.of(highMask), u, x.subScaled(plan.cauchyTime(), g)));
        Tensor z = xcp.sub(x);
        Tensor r = g.addScaled(theta, z);
        Tensor du;
        if (k > 0) {
            Tensor w = Tensor.concatenate(List.of(Tensor.stack(y, 1), Tensor.stack(s, 1).mul(theta)), 1);
            Tensor kmat = middle(s, y, theta);
            LinearSolver lu = LinearSolver.lu();
            Tensor mc = LinearSolve.solve(LinearOperator.fromMatrix(kmat), w.transposeMatmul(z), lu);
            r = r.sub(w.matmul(mc)).mul(free);
            Tensor wf = w.mul(free.expandDims(1));
            Tensor nmat = kmat.sub(wf.transposeMatmul(wf).div(theta));
            Tensor v = LinearSolve.solve(LinearOperator.fromMatrix(nmat), wf.transposeMatmul(r), lu);
            du = r.div(theta).add(wf.matmul(v).div(theta.square())).neg();
        } else {
            du = r.mul(free).div(theta).neg();
        }
        Tensor xbar = xcp.addScaled(plan.alpha(), du);
        return onBounds(xbar, plan.endAt(), l, u);
    }

    /** v with the coordinates the plan puts on a bound replaced by that bound (its derivative is the bound's). */
    static Tensor onBounds(Tensor v, int[] at, Tensor l, Tensor u) {
        int n = at.length;
        double[] low = new double[n];
        double[] high = new double[n];
        boolean any = false;
        for (int i = 0; i < n; i++) {
            low[i] = at[i] < 0 ? 1 : 0;
            high[i] = at[i] > 0 ? 1 : 0;
            any |= at[i] != 0;
        }
        return any ? Tensor.where(Tensor.of(low), l, Tensor.where(Tensor.of(high), u, v)) : v;
    }

    /** Per coordinate −1 / +1 where v lies on its lower / upper bound, else 0. */
    static int[] endAt(double[] v, double[] l, double[] u) {
        int[] at = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            at[i] = v[i] <= l[i] ? -1 : v[i] >= u[i] ? 1 : 0;
        }
        return at;
    }

    /** K = [−D Lᵀ; L θSᵀS] into a row-major 2k×2k array. */
    private static void middle(double[][] s, double[][] y, double theta, double[] out) {
        int k = s.length;
        int m2 = 2 * k;
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                double sy = FlatValues.dot(s[i], y[j]);
                if (i == j) {
                    out[i * m2 + j] = -sy;
                } else if (i > j) {
                    out[(k + i) * m2 + j] = sy;
                    out[j * m2 + k + i] = sy;
                }
                out[(k + i) * m2 + k + j] = theta * FlatValues.dot(s[i], s[j]);
            }
        }
    }

    /** K from tensors (differentiable in S, Y and θ). */
    private static Tensor middle(List<Tensor> s, List<Tensor> y, Tensor theta) {
        int k = s.size();
        Tensor sm = Tensor.stack(s, 1);
        Tensor ym = Tensor.stack(y, 1);
        Tensor sy = sm.transposeMatmul(ym);
        double[] strictLower = new double[k * k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < i; j++) {
                strictLower[i * k + j] = 1;
            }
        }
        Tensor lower = sy.mul(Tensor.of(new int[]{k, k}, strictLower));
        Tensor diag = sy.mul(Tensor.eye(k));
        Tensor top = Tensor.concatenate(List.of(diag.neg(), lower.transpose()), 1);
        Tensor bottom = Tensor.concatenate(List.of(lower, sm.transposeMatmul(sm).mul(theta)), 1);
        return Tensor.concatenate(List.of(top, bottom), 0);
    }

    private static double clip(double v, double lo, double hi) {
        return Math.min(Math.max(v, lo), hi);
    }

    /** Wᵀv for W row-major n×m. */
    private static double[] mulT(double[] w, int n, int m, double[] v) {
        double[] out = new double[m];
        for (int i = 0; i < n; i++) {
            double vi = v[i];
            if (vi != 0) {
                for (int j = 0; j < m; j++) {
                    out[j] += w[i * m + j] * vi;
                }
            }
        }
        return out;
    }

    /** W·v for W row-major n×m. */
    private static double[] mulN(double[] w, int n, int m, double[] v) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            double sum = 0;
            for (int j = 0; j < m; j++) {
                sum += w[i * m + j] * v[j];
            }
            out[i] = sum;
        }
        return out;
    }

    /** A·v for A row-major m×m. */
    private static double[] mul(double[] a, int m, double[] v) {
        double[] out = new double[m];
        for (int i = 0; i < m; i++) {
            double sum = 0;
            for (int j = 0; j < m; j++) {
                sum += a[i * m + j] * v[j];
            }
            out[i] = sum;
        }
        return out;
    }

    /** M·w_b, w_b the row b of W. */
    private static double[] mulRow(double[] mmat, int m, double[] w, int b) {
        double[] out = new double[m];
        for (int i = 0; i < m; i++) {
            double sum = 0;
            for (int j = 0; j < m; j++) {
                sum += mmat[i * m + j] * w[b * m + j];
            }
            out[i] = sum;
        }
        return out;
    }

    /** The newest {@code k} entries of a history list. */
    static <T> List<T> newest(List<T> history, int k) {
        return new ArrayList<>(history.subList(history.size() - k, history.size()));
    }
}
