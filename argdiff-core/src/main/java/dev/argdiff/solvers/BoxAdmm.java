package dev.argdiff.solvers;

/**
 * The arithmetic of OSQP's ADMM iteration on the box-form QP min ½xᵀQx + cᵀx s.t. l ≤ Ax ≤ u
 * (Stellato et al., Math. Prog. Comp. 2020, Algorithm 1), on concrete arrays, with Q, A and Aᵀ
 * seen through their products: everything of an iteration except how the x-update system
 * (Q + σI + Aᵀdiag(ρ)A) x̃ = rhs is solved. {@link BoxOSQP} (dense data, a prepared factorization)
 * and {@link OperatorBoxOSQP} (operators, warm-started conjugate gradients) each subclass it with
 * their products, so both run the same floating-point operations in the same order.
 */
abstract class BoxAdmm {
    final int n;
    final int m;
    final double[] c;
    final double[] l;
    final double[] u;

    BoxAdmm(int n, int m, double[] c, double[] l, double[] u) {
        this.n = n;
        this.m = m;
        this.c = c;
        this.l = l;
        this.u = u;
    }

    /** Refuses an empty or NaN interval [lᵢ, uᵢ] (the problem would be infeasible or undefined), naming the row. */
    static void requireIntervals(String where, double[] l, double[] u) {
        for (int i = 0; i < l.length; i++) {
            if (Double.isNaN(l[i]) || Double.isNaN(u[i]) || l[i] > u[i] || l[i] == Double.POSITIVE_INFINITY
                    || u[i] == Double.NEGATIVE_INFINITY) {
                throw new IllegalArgumentException(where + ": constraint " + i + " has an empty or NaN interval: lower "
                        + l[i] + ", upper " + u[i]);
            }
        }
    }

    /** Ax, shape [m]. */
    abstract double[] times(double[] x);

    /** Aᵀy, shape [n]. */
    abstract double[] transposeTimes(double[] y);

    /** Qx, shape [n]. */
    abstract double[] qTimes(double[] x);

    /** Π_[l,u](v). */
    final double[] project(double[] v) {
        double[] out = new double[m];
        for (int i = 0; i < m; i++) {
            out[i] = Math.min(Math.max(v[i], l[i]), u[i]);
        }
        return out;
    }

    /** The initial ρ vector: equality rows 10³·ρ, rows with no finite bound 10⁻⁶ (as OSQP), others ρ. */
    final double[] initialRho(double rho) {
        double[] out = new double[m];
        for (int i = 0; i < m; i++) {
            double li = l[i];
            double ui = u[i];
            out[i] = li == ui ? 1e3 * rho : (li == Double.NEGATIVE_INFINITY && ui == Double.POSITIVE_INFINITY)
                    ? 1e-6 : rho;
        }
        return out;
    }

    /** (Q + σI + Aᵀdiag(ρ)A)v, the x-update system in product form. */
    final double[] systemTimes(double[] v, double[] rho, double sigma) {
        double[] av = times(v);
        for (int i = 0; i < m; i++) {
            av[i] *= rho[i];
        }
        double[] out = transposeTimes(av);
        double[] qv = qTimes(v);
        for (int j = 0; j < n; j++) {
            out[j] += qv[j] + sigma * v[j];
        }
        return out;
    }

    /** The right-hand side σx − c + Aᵀ(ρ∘z − y) of the x-update. */
    final double[] systemRhs(double[] x, double[] y, double[] z, double[] rho, double sigma) {
        double[] r = new double[m];
        for (int i = 0; i < m; i++) {
            r[i] = rho[i] * z[i] - y[i];
        }
        double[] b = transposeTimes(r);
        for (int j = 0; j < n; j++) {
            b[j] += sigma * x[j] - c[j];
        }
        return b;
    }

    /**
     * The rest of an iteration once x̃ is solved for: the relaxed updates of x, z, y, the ∞-norm
     * residuals of the new iterate with their scales (paper §3.4) and the infeasibility verdict
     * (null if none); the new iterate's Ax, Qx and Aᵀy are kept for the caller's error.
     */
    record Step(double[] x, double[] y, double[] z, double[] ax, double[] qx, double[] aty, double primal, double dual,
                double primalScale, double dualScale, SolverStatus verdict) {
    }

    /** Completes the iteration from (x, y, z) with ρ and the solution x̃ of the x-update system. */
    final Step step(double[] x, double[] y, double[] z, double[] rho, double[] xt, double alpha,
                    double epsInfeasible) {
        double[] zt = times(xt);
        double[] xn = new double[n];
        double[] dx = new double[n];
        for (int j = 0; j < n; j++) {
            xn[j] = alpha * xt[j] + (1 - alpha) * x[j];
            dx[j] = xn[j] - x[j];
        }
        double[] zn = new double[m];
        double[] yn = new double[m];
        double[] dy = new double[m];
        for (int i = 0; i < m; i++) {
            double zr = alpha * zt[i] + (1 - alpha) * z[i];
            zn[i] = Math.min(Math.max(zr + y[i] / rho[i], l[i]), u[i]);
            yn[i] = y[i] + rho[i] * (zr - zn[i]);
            dy[i] = yn[i] - y[i];
        }
        double[] ax = times(xn);
        double[] qx = qTimes(xn);
        double[] aty = transposeTimes(yn);
        double primal = 0;
        for (int i = 0; i < m; i++) {
            primal = Math.max(primal, Math.abs(ax[i] - zn[i]));
        }
        double dual = 0;
        for (int j = 0; j < n; j++) {
            dual = Math.max(dual, Math.abs(qx[j] + c[j] + aty[j]));
        }
        double primalScale = Math.max(QpChecks.maxAbs(ax), QpChecks.maxAbs(zn));
        double dualScale = Math.max(Math.max(QpChecks.maxAbs(qx), QpChecks.maxAbs(aty)), QpChecks.maxAbs(c));
        SolverStatus verdict = null;
        if (primalInfeasible(dy, epsInfeasible)) {
            verdict = SolverStatus.PRIMAL_INFEASIBLE;
        } else if (dualInfeasible(dx, epsInfeasible)) {
            verdict = SolverStatus.DUAL_INFEASIBLE;
        }
        return new Step(xn, yn, zn, ax, qx, aty, primal, dual, primalScale, dualScale, verdict);
    }

    /**
     * Adaptive ρ (paper §5.2) after iteration k: scales {@code rho} in place by the residual ratio
     * when k is a multiple of {@code interval}, no verdict was found and the factor leaves
     * [1/tolerance, tolerance]; true if ρ changed.
     */
    static boolean adaptRho(double[] rho, Step s, int k, int interval, double tolerance) {
        if (s.verdict() != null || k % interval != 0) {
            return false;
        }
        double ratio = Math.sqrt((s.primal() / Math.max(s.primalScale(), 1e-30))
                / Math.max(s.dual() / Math.max(s.dualScale(), 1e-30), 1e-30));
        if (Double.isFinite(ratio) && ratio > 0 && (ratio > tolerance || ratio < 1 / tolerance)) {
            for (int i = 0; i < rho.length; i++) {
                rho[i] = Math.min(Math.max(rho[i] * ratio, 1e-6), 1e6);
            }
            return true;
        }
        return false;
    }

    /** ‖F(x, y)‖₂ / max(1, ‖(x, y)‖₂) with F the optimality condition, from Ax, Qx and Aᵀy. */
    final double error(double[] x, double[] y, double[] ax, double[] qx, double[] aty) {
        double r = 0;
        double size = 0;
        for (int j = 0; j < n; j++) {
            double v = qx[j] + c[j] + aty[j];
            r += v * v;
            size += x[j] * x[j];
        }
        for (int i = 0; i < m; i++) {
            double v = ax[i] - Math.min(Math.max(ax[i] + y[i], l[i]), u[i]);
            r += v * v;
            size += y[i] * y[i];
        }
        return Math.sqrt(r) / Math.max(1.0, Math.sqrt(size));
    }

    /** The primal infeasibility certificate (Banjac et al., JOTA 2019) on the dual change δy. */
    private boolean primalInfeasible(double[] dy, double epsInfeasible) {
        double norm = QpChecks.maxAbs(dy);
        if (!(norm > 1e-30)) {
            return false;
        }
        double eps = epsInfeasible * norm;
        // The support-function test first: it costs O(m), the product Aᵀδy O(mn).
        double support = 0;
        for (int i = 0; i < m; i++) {
            if (dy[i] > 0) {
                if (u[i] == Double.POSITIVE_INFINITY) {
                    if (dy[i] > eps) {
                        return false;
                    }
                } else {
                    support += u[i] * dy[i];
                }
            } else if (dy[i] < 0) {
                if (l[i] == Double.NEGATIVE_INFINITY) {
                    if (dy[i] < -eps) {
                        return false;
                    }
                } else {
                    support += l[i] * dy[i];
                }
            }
        }
        return support <= -eps && QpChecks.maxAbs(transposeTimes(dy)) <= eps;
    }

    /** The dual infeasibility (unboundedness) certificate on the primal change δx. */
    private boolean dualInfeasible(double[] dx, double epsInfeasible) {
        double norm = QpChecks.maxAbs(dx);
        if (!(norm > 1e-30)) {
            return false;
        }
        double eps = epsInfeasible * norm;
        if (FlatValues.dot(c, dx) > -eps || QpChecks.maxAbs(qTimes(dx)) > eps) {
            return false;
        }
        double[] adx = times(dx);
        for (int i = 0; i < m; i++) {
            if ((u[i] != Double.POSITIVE_INFINITY && adx[i] > eps)
                    || (l[i] != Double.NEGATIVE_INFINITY && adx[i] < -eps)) {
                return false;
            }
        }
        return true;
    }
}
