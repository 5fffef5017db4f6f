package dev.argdiff.examples;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.solvers.LevenbergMarquardt;
import dev.argdiff.solvers.SolverResult;
import dev.argdiff.tensor.Tensor;

import java.util.function.Function;

/**
 * Fits a logistic growth curve K/(1 + exp(−r(t − t₀))) to noisy data by Levenberg–Marquardt and
 * computes the sensitivity of the fitted parameters θ* = (K, r, t₀) to every data point, the
 * Jacobian d(θ*)/dy, by implicit differentiation of Jᵀr = 0. It is checked against central finite
 * differences of re-fitted data, and compared with the classical Gauss–Newton approximation
 * (JᵀJ)⁻¹Jᵀ, which drops the residual-curvature term Σrᵢ∇²rᵢ of the Hessian. The band of the
 * fit is ±2 standard deviations of the fitted curve by the delta method, Cov θ* = σ²·S·Sᵀ with
 * S = d(θ*)/dy and σ² = ‖r‖²/(m − 3).
 */
final class CurveFitExample {
    private CurveFitExample() {
    }

    /** @param noise standard deviation of the data noise; seed of the noise; m the number of points */
    record Options(int points, double noise, long seed) {
    }

    record Result(double[] t, double[] y, double[] theta, double[] fit, double[] band, double[][] sensitivity,
                  double maxFiniteDifferenceGap, double gaussNewtonRelativeGap, double sigma, int iterations) {
    }

    static Tensor model(Tensor theta, Tensor t) {
        Tensor k = theta.row(0);
        Tensor r = theta.row(1);
        Tensor t0 = theta.row(2);
        return k.div(t.sub(t0).mul(r).neg().exp().add(1));
    }

    static Result run(Options o) {
        if (o.points() < 4 || !(o.noise() >= 0) || !Double.isFinite(o.noise())) {
            throw new IllegalArgumentException("curve-fit: needs points >= 4 and a finite noise >= 0, got points = "
                    + o.points() + ", noise = " + o.noise());
        }
        Tensor t = Tensor.linspace(0, 10, o.points());
        Tensor truth = Tensor.of(10, 1.2, 5);
        Tensor y = model(truth, t).add(Tensor.randomNormal(o.seed(), o.points()).mul(o.noise()));
        LevenbergMarquardt<Tensor, Tensor> lm = LevenbergMarquardt.<Tensor, Tensor>of((th, data) ->
                model(th, t).sub(data)).tol(1e-10).maxiter(500);
        Tensor start = Tensor.of(8, 1, 4);
        Function<Tensor, Tensor> fit = data -> lm.run(start, data).params();
        SolverResult<Tensor, LevenbergMarquardt.State> r = lm.run(start, y);
        if (!r.converged()) {
            throw new IllegalStateException("curve-fit: Levenberg-Marquardt stopped with " + r.status()
                    + " at ‖Jᵀr‖ = " + r.error());
        }
        Tensor theta = r.params();
        double[][] s = Autodiff.jacrev(fit).apply(y).toArray2d();   // 3 × m
        int m = o.points();
        // Finite differences of re-fitted data, every point.
        double h = 1e-5;
        double gap = 0;
        double[] yv = y.toArray();
        for (int j = 0; j < m; j++) {
            double[] plus = yv.clone();
            double[] minus = yv.clone();
            plus[j] += h;
            minus[j] -= h;
            double[] fp = fit.apply(Tensor.of(plus)).toArray();
            double[] fm = fit.apply(Tensor.of(minus)).toArray();
            for (int i = 0; i < 3; i++) {
                gap = Math.max(gap, Math.abs((fp[i] - fm[i]) / (2 * h) - s[i][j]));
            }
        }
        // Gauss–Newton approximation (JᵀJ)⁻¹Jᵀ at θ* (r = model − y, so d(θ*)/dy = H⁻¹Jᵀ with H the full Hessian).
        double[][] jac = Autodiff.jacfwd((Tensor th) -> model(th, t)).apply(theta).toArray2d();   // m × 3
        double[] jtj = new double[9];
        for (int a = 0; a < 3; a++) {
            for (int b = 0; b < 3; b++) {
                for (int k = 0; k < m; k++) {
                    jtj[a * 3 + b] += jac[k][a] * jac[k][b];
                }
            }
        }
        double[][] gn = gaussNewton(jtj, jac, m);
        double num = 0;
        double den = 0;
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < m; j++) {
                num = Math.max(num, Math.abs(gn[i][j] - s[i][j]));
                den = Math.max(den, Math.abs(s[i][j]));
            }
        }
        double[] fitted = model(theta, t).toArray();
        double ss = 0;
        for (int j = 0; j < m; j++) {
            ss += (fitted[j] - yv[j]) * (fitted[j] - yv[j]);
        }
        double sigma = Math.sqrt(ss / (m - 3));
        double[] band = new double[m];
        for (int j = 0; j < m; j++) {
            // Var(model(θ*, t_j)) = σ²·‖gᵀS‖², g = ∂model/∂θ at t_j.
            double v = 0;
            for (int k = 0; k < m; k++) {
                double c = 0;
                for (int i = 0; i < 3; i++) {
                    c += jac[j][i] * s[i][k];
                }
                v += c * c;
            }
            band[j] = 2 * sigma * Math.sqrt(v);
        }
        return new Result(t.toArray(), yv, theta.toArray(), fitted, band, s, gap, num / den, sigma, r.iterations());
    }

    /** (JᵀJ)⁻¹Jᵀ by Gaussian elimination on the 3×3 system, column by column. */
    private static double[][] gaussNewton(double[] jtj, double[][] jac, int m) {
        double[][] out = new double[3][m];
        for (int j = 0; j < m; j++) {
            double[] a = jtj.clone();
            double[] b = {jac[j][0], jac[j][1], jac[j][2]};
            for (int p = 0; p < 3; p++) {
                int piv = p;
                for (int q = p + 1; q < 3; q++) {
                    if (Math.abs(a[q * 3 + p]) > Math.abs(a[piv * 3 + p])) {
                        piv = q;
                    }
                }
                for (int c = 0; c < 3; c++) {
                    double tmp = a[p * 3 + c];
                    a[p * 3 + c] = a[piv * 3 + c];
                    a[piv * 3 + c] = tmp;
                }
                double tb = b[p];
                b[p] = b[piv];
                b[piv] = tb;
                for (int q = p + 1; q < 3; q++) {
                    double f = a[q * 3 + p] / a[p * 3 + p];
                    for (int c = p; c < 3; c++) {
                        a[q * 3 + c] -= f * a[p * 3 + c];
                    }
                    b[q] -= f * b[p];
                }
            }
            for (int p = 2; p >= 0; p--) {
                double v = b[p];
                for (int c = p + 1; c < 3; c++) {
                    v -= a[p * 3 + c] * b[c];
                }
                b[p] = v / a[p * 3 + p];
            }
            for (int i = 0; i < 3; i++) {
                out[i][j] = b[i];
            }
        }
        return out;
    }
}
