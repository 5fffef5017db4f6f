package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.implicit.ImplicitDiffException;
import dev.argdiff.optim.Optimizers;
import dev.argdiff.solvers.SolverFixtures.Contraction;
import dev.argdiff.solvers.SolverFixtures.Regression;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

import static dev.argdiff.solvers.SolverFixtures.maxAbs;
import static dev.argdiff.solvers.SolverFixtures.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The contract every solver must pass, on a problem with an independent answer: it converges to
 * that answer; its implicit derivative with respect to a hyperparameter θ matches central finite
 * differences of the solution and the closed-form derivative, in forward and reverse mode; the
 * unrolled derivative (implicitDiff(false)) approaches it as the iterations grow; and a solver
 * stopped early refuses to give an implicit derivative.
 *
 * <p>The proximal-gradient family runs with a fixed step 1/L here, so that it reaches the
 * tolerance 1e-12 whatever its backtracking line search does near the solution, where the
 * sufficient-decrease test on values of f is limited by their rounding.
 */
class SolverContractTest {

    /** Solver stopping tolerance of the tight runs. */
    private static final double TOL = 1e-12;

    /** Builds θ ↦ x*(θ) for a configuration of the solver. */
    @FunctionalInterface
    interface SolutionFactory {
        Function<Tensor, Tensor> solution(boolean implicit, int maxiter, double tol);
    }

    /** What a solution must satisfy at θ (independent optimality conditions). */
    @FunctionalInterface
    interface OptimalityCheck {
        void check(double[] x, double theta);
    }

    /**
     * @param unrolledShort, unrolledLong iteration limits of the two unrolled runs (the second reaches TOL)
     * @param expectedJacobian the derivative of x*(θ) in closed form at θ
     */
    record Case(String name, double theta, SolutionFactory factory, OptimalityCheck optimal,
                Function<Double, double[]> expectedJacobian, int maxiter, int unrolledShort, int unrolledLong) {
        @Override
        public String toString() {
            return name;
        }

        Function<Tensor, Tensor> implicit() {
            return factory.solution(true, maxiter, TOL);
        }
    }

    static <A> SolutionFactory factory(Supplier<IterativeSolver<Tensor, A, ?, ?>> solver, Tensor init,
                                       Function<Tensor, A> args) {
        return (implicit, maxiter, tol) -> {
            IterativeSolver<Tensor, A, ?, ?> s = solver.get().implicitDiff(implicit).maxiter(maxiter).tol(tol);
            return theta -> s.run(init, args.apply(theta)).params();
        };
    }

    // ------------------------------------------------------------------ problems

    private static final Regression DATA = SolverFixtures.regression(7, 40, 6);
    private static final double L = SolverFixtures.lipschitz(DATA);
    private static final double RIDGE_LAMBDA = 0.3;
    private static final double LASSO_LAMBDA = 0.15 * SolverFixtures.lambdaMax(DATA);
    private static final double NNLS_LAMBDA = 0.05;
    private static final Contraction CONTRACTION = Contraction.of(11, 12);
    private static final double CONTRACTION_THETA = 0.7;

    /**
     * Ridge in the coordinates v with w = v + v³/10 (a bijection): r = [(Xw − y)/√n; √λ·w], so that
     * ½‖r‖² is the ridge objective of w and the least-squares problem is nonlinear in v (a linear
     * one is solved by one Gauss–Newton step, leaving nothing to unroll or stop early).
     */
    private static Tensor ridgeResidual(Tensor v, Regression a) {
        Tensor w = v.add(v.pow(3).mul(0.1));
        Tensor fit = a.x().matmul(w).sub(a.y()).div(Math.sqrt(a.n()));
        return Tensor.concatenate(List.of(fit, a.lam().sqrt().mul(w)), 0);
    }

    /** v with v + v³/10 = w, entrywise by Newton's method in doubles. */
    private static double[] cubicCoordinates(double[] w) {
        double[] v = new double[w.length];
        for (int i = 0; i < w.length; i++) {
            double x = w[i];
            for (int k = 0; k < 100; k++) {
                x -= (x + 0.1 * x * x * x - w[i]) / (1 + 0.3 * x * x);
            }
            v[i] = x;
        }
        return v;
    }

    private static void cubicRidgeOptimal(double[] v, double lam) {
        double[] expected = cubicCoordinates(SolverFixtures.ridgeSolution(DATA, lam));
        assertTrue(maxAbsDiff(v, expected) <= 1e-9 * Math.max(1, maxAbs(expected)),
                () -> "ridge solution (cubic coordinates) off by " + maxAbsDiff(v, expected));
    }

    /** dv/dλ = (dw/dλ)/(1 + 0.3v²). */
    private static double[] cubicRidgeDerivative(double lam) {
        double[] v = cubicCoordinates(SolverFixtures.ridgeSolution(DATA, lam));
        double[] dw = SolverFixtures.ridgeDerivative(DATA, lam);
        for (int i = 0; i < v.length; i++) {
            dw[i] /= 1 + 0.3 * v[i] * v[i];
        }
        return dw;
    }

    private static Function<Tensor, Regression> args() {
        return DATA::withLam;
    }

    private static void ridgeOptimal(double[] w, double lam) {
        double[] expected = SolverFixtures.ridgeSolution(DATA, lam);
        assertTrue(maxAbsDiff(w, expected) <= 1e-9 * Math.max(1, maxAbs(expected)),
                () -> "ridge solution off by " + maxAbsDiff(w, expected));
    }

    /** Lasso KKT: |X_jᵀ(Xw − y)/n| ≤ λ, with equality and the opposite sign of w_j on the support. */
    private static void lassoOptimal(double[] w, double lam) {
        double[] g = SolverFixtures.leastSquaresGradient(DATA, w);
        int support = 0;
        for (int j = 0; j < w.length; j++) {
            if (w[j] != 0) {
                support++;
                assertEquals(-lam * Math.signum(w[j]), g[j], 1e-9, "KKT on the support, coordinate " + j);
                assertTrue(Math.abs(w[j]) > 1e-3, "the support is not degenerate");
            } else {
                assertTrue(Math.abs(g[j]) <= lam - 1e-3 * lam, "strict KKT off the support, coordinate " + j
                        + ": |g| = " + Math.abs(g[j]) + ", λ = " + lam);
            }
        }
        assertTrue(support > 0 && support < w.length, "the problem has a proper support, got " + support);
    }

    /** Non-negative ridge KKT: w ≥ 0, ∇ ≥ 0, w_j·∇_j = 0, with strict complementarity. */
    private static void nnlsOptimal(double[] w, double lam) {
        double[] g = SolverFixtures.leastSquaresGradient(DATA, w);
        int active = 0;
        for (int j = 0; j < w.length; j++) {
            double gj = g[j] + lam * w[j];
            assertTrue(w[j] >= 0, "feasibility, coordinate " + j);
            if (w[j] > 0) {
                assertEquals(0.0, gj, 1e-9, "stationarity on the free set, coordinate " + j);
                assertTrue(w[j] > 1e-3, "not degenerate");
            } else {
                active++;
                assertTrue(gj > 1e-3, "strict complementarity at active coordinate " + j + ": " + gj);
            }
        }
        assertTrue(active > 0 && active < w.length, "some but not all constraints active, got " + active);
    }

    private static void contractionOptimal(double[] x, double theta) {
        double[] expected = CONTRACTION.c().mul(theta).toArray();
        assertTrue(maxAbsDiff(x, expected) <= 1e-10, () -> "fixed point off by " + maxAbsDiff(x, expected));
    }

    private static double[] lassoJacobian(double lam) {
        double[] w = BlockCoordinateDescent.<Regression>compositeLinear(Regression::x, (z, a) ->
                        z.sub(a.y()).square().mean().mul(0.5), 1.0 / DATA.n(), SolverFixtures.SOFT_THRESHOLD)
                .tol(TOL).maxiter(10_000).run(Tensor.zeros(DATA.p()), DATA.withLam(Tensor.scalar(lam))).params().toArray();
        return SolverFixtures.supportDerivative(DATA, w, 0.0, true);
    }

    private static double[] nnlsJacobian(double lam) {
        double[] w = ProjectedGradient.<Tensor, Regression>of(SolverFixtures::ridge, (x, a) -> x.relu())
                .stepsize(1 / (L + lam)).tol(TOL).maxiter(100_000)
                .run(Tensor.zeros(DATA.p()), DATA.withLam(Tensor.scalar(lam))).params().toArray();
        return SolverFixtures.supportDerivative(DATA, w, lam, false);
    }

    /** The non-negative ridge as a box QP: Q = XᵀX/n + λI, c = −Xᵀy/n, 0 ≤ w. */
    private static BoxCDQP.Problem nnlsQp(Tensor lam) {
        int p = DATA.p();
        Tensor q = DATA.x().transposeMatmul(DATA.x()).div(DATA.n()).add(Tensor.eye(p).mul(lam));
        return new BoxCDQP.Problem(q, DATA.x().transposeMatmul(DATA.y()).div(-DATA.n()), Tensor.zeros(p),
                Tensor.full(Double.POSITIVE_INFINITY, p));
    }

    private static final Tensor ENTROPIC_C = Tensor.of(0.4, -0.3, 0.1, 0.0, -0.2, 0.25);
    private static final double ENTROPIC_TAU = 0.6;

    /** ⟨c, x⟩ + τ Σ xᵢ log xᵢ over the simplex: minimized by softmax(−c/τ). */
    private static Tensor entropic(Tensor x, Tensor tau) {
        return x.dot(ENTROPIC_C).add(tau.mul(x.mul(x.log()).sum()));
    }

    private static double[] softmaxOfMinusCOver(double tau) {
        double[] c = ENTROPIC_C.toArray();
        double[] x = new double[c.length];
        double sum = 0;
        for (int i = 0; i < c.length; i++) {
            x[i] = Math.exp(-c[i] / tau);
            sum += x[i];
        }
        for (int i = 0; i < c.length; i++) {
            x[i] /= sum;
        }
        return x;
    }

    private static void entropicOptimal(double[] x, double tau) {
        double[] expected = softmaxOfMinusCOver(tau);
        assertTrue(maxAbsDiff(x, expected) <= 1e-10, () -> "softmax solution off by " + maxAbsDiff(x, expected));
    }

    /** dx/dτ = (diag(x) − xxᵀ)·c/τ². */
    private static double[] entropicDerivative(double tau) {
        double[] x = softmaxOfMinusCOver(tau);
        double[] c = ENTROPIC_C.toArray();
        double xc = 0;
        for (int i = 0; i < c.length; i++) {
            xc += x[i] * c[i];
        }
        double[] d = new double[c.length];
        for (int i = 0; i < c.length; i++) {
            d[i] = x[i] * (c[i] - xc) / (tau * tau);
        }
        return d;
    }

    static List<Case> cases() {
        Tensor w0 = Tensor.zeros(DATA.p());
        Tensor x0 = Tensor.zeros(CONTRACTION.c().size());
        Function<Double, double[]> contractionJacobian = theta -> CONTRACTION.c().toArray();
        return List.of(
                new Case("GradientDescent/ridge", RIDGE_LAMBDA,
                        factory(() -> GradientDescent.<Tensor, Regression>of(SolverFixtures::ridge)
                                .stepsize(1 / (L + RIDGE_LAMBDA)), w0, args()),
                        SolverContractTest::ridgeOptimal, lam -> SolverFixtures.ridgeDerivative(DATA, lam),
                        10_000, 40, 400),
                new Case("ArmijoSGD/ridge (full batch)", RIDGE_LAMBDA,
                        factory(() -> ArmijoSGD.<Tensor, Regression>of(SolverFixtures::ridge), w0, args()),
                        SolverContractTest::ridgeOptimal, lam -> SolverFixtures.ridgeDerivative(DATA, lam),
                        10_000, 40, 1000),
                new Case("PolyakSGD/ridge (full batch)", RIDGE_LAMBDA,
                        factory(() -> PolyakSGD.<Tensor, Regression>of(SolverFixtures::ridge)
                                .maxStepsize(1 / (L + RIDGE_LAMBDA)), w0, args()),
                        SolverContractTest::ridgeOptimal, lam -> SolverFixtures.ridgeDerivative(DATA, lam),
                        10_000, 40, 1000),
                new Case("OptimizerSolver(sgd)/ridge", RIDGE_LAMBDA,
                        factory(() -> OptimizerSolver.<Tensor, Regression>of(SolverFixtures::ridge,
                                Optimizers.sgd(1 / (L + RIDGE_LAMBDA))), w0, args()),
                        SolverContractTest::ridgeOptimal, lam -> SolverFixtures.ridgeDerivative(DATA, lam),
                        10_000, 40, 1000),
                new Case("OptimizerSolver(nesterov)/ridge", RIDGE_LAMBDA,
                        factory(() -> OptimizerSolver.<Tensor, Regression>of(SolverFixtures::ridge,
                                Optimizers.sgd(0.5 / (L + RIDGE_LAMBDA), 0.5, true)), w0, args()),
                        SolverContractTest::ridgeOptimal, lam -> SolverFixtures.ridgeDerivative(DATA, lam),
                        10_000, 20, 1000),
                new Case("LBFGS/ridge", RIDGE_LAMBDA,
                        factory(() -> LBFGS.<Tensor, Regression>of(SolverFixtures::ridge), w0, args()),
                        SolverContractTest::ridgeOptimal, lam -> SolverFixtures.ridgeDerivative(DATA, lam),
                        1_000, 4, 100),
                new Case("BFGS/ridge", RIDGE_LAMBDA,
                        factory(() -> BFGS.<Tensor, Regression>of(SolverFixtures::ridge), w0, args()),
                        SolverContractTest::ridgeOptimal, lam -> SolverFixtures.ridgeDerivative(DATA, lam),
                        1_000, 4, 100),
                new Case("NonlinearCG/ridge", RIDGE_LAMBDA,
                        factory(() -> NonlinearCG.<Tensor, Regression>of(SolverFixtures::ridge), w0, args()),
                        SolverContractTest::ridgeOptimal, lam -> SolverFixtures.ridgeDerivative(DATA, lam),
                        1_000, 4, 200),
                new Case("GaussNewton/ridge residuals", RIDGE_LAMBDA,
                        factory(() -> GaussNewton.<Tensor, Regression>of(SolverContractTest::ridgeResidual), w0,
                                args()),
                        SolverContractTest::cubicRidgeOptimal, SolverContractTest::cubicRidgeDerivative,
                        100, 2, 20),
                new Case("LevenbergMarquardt/ridge residuals", RIDGE_LAMBDA,
                        factory(() -> LevenbergMarquardt.<Tensor, Regression>of(SolverContractTest::ridgeResidual),
                                w0, args()),
                        SolverContractTest::cubicRidgeOptimal, SolverContractTest::cubicRidgeDerivative,
                        100, 2, 40),
                new Case("ProximalGradient/lasso", LASSO_LAMBDA,
                        factory(() -> ProximalGradient.<Tensor, Regression>of(SolverFixtures::leastSquares,
                                SolverFixtures.SOFT_THRESHOLD).stepsize(1 / L), w0, args()),
                        SolverContractTest::lassoOptimal, SolverContractTest::lassoJacobian,
                        10_000, 20, 1000),
                new Case("ProjectedGradient/non-negative ridge", NNLS_LAMBDA,
                        factory(() -> ProjectedGradient.<Tensor, Regression>of(SolverFixtures::ridge,
                                (x, a) -> x.relu()).stepsize(1 / (L + NNLS_LAMBDA)), w0, args()),
                        SolverContractTest::nnlsOptimal, SolverContractTest::nnlsJacobian,
                        10_000, 20, 1000),
                new Case("BoxCDQP/non-negative ridge", NNLS_LAMBDA,
                        factory(BoxCDQP::create, w0, SolverContractTest::nnlsQp),
                        SolverContractTest::nnlsOptimal, SolverContractTest::nnlsJacobian,
                        10_000, 3, 200),
                new Case("OSQP/non-negative ridge", NNLS_LAMBDA, (implicit, maxiter, tol) -> {
                    OSQP s = OSQP.create().implicitDiff(implicit).maxiter(maxiter).tol(tol);
                    return theta -> {
                        BoxCDQP.Problem b = nnlsQp(theta);
                        int p = DATA.p();
                        return s.run(new OSQP.Problem(b.q(), b.c(), null, null, Tensor.eye(p).neg(), Tensor.zeros(p)))
                                .params().primal();
                    };
                }, SolverContractTest::nnlsOptimal, SolverContractTest::nnlsJacobian, 10_000, 3, 300),
                new Case("BoxOSQP/non-negative ridge", NNLS_LAMBDA, (implicit, maxiter, tol) -> {
                    BoxOSQP s = BoxOSQP.create().implicitDiff(implicit).maxiter(maxiter).tol(tol);
                    return theta -> {
                        BoxCDQP.Problem b = nnlsQp(theta);
                        return s.run(new BoxOSQP.Problem(b.q(), b.c(), Tensor.eye(DATA.p()), b.lower(), b.upper()))
                                .params().x();
                    };
                }, SolverContractTest::nnlsOptimal, SolverContractTest::nnlsJacobian, 10_000, 3, 300),
                new Case("LBFGSB/non-negative ridge", NNLS_LAMBDA,
                        factory(() -> LBFGSB.<Tensor, Regression>of(SolverFixtures::ridge,
                                a -> LBFGSB.Bounds.of(0, Double.POSITIVE_INFINITY)), w0, args()),
                        SolverContractTest::nnlsOptimal, SolverContractTest::nnlsJacobian,
                        1_000, 4, 100),
                new Case("BlockCoordinateDescent.compositeLinear/lasso", LASSO_LAMBDA,
                        factory(() -> BlockCoordinateDescent.<Regression>compositeLinear(Regression::x,
                                (z, a) -> z.sub(a.y()).square().mean().mul(0.5), 1.0 / DATA.n(),
                                SolverFixtures.SOFT_THRESHOLD), w0, args()),
                        SolverContractTest::lassoOptimal, SolverContractTest::lassoJacobian,
                        10_000, 3, 200),
                new Case("BlockCoordinateDescent.of/lasso", LASSO_LAMBDA,
                        factory(() -> BlockCoordinateDescent.<Regression>of(SolverFixtures::leastSquares,
                                SolverFixtures.SOFT_THRESHOLD), w0, args()),
                        SolverContractTest::lassoOptimal, SolverContractTest::lassoJacobian,
                        10_000, 3, 200),
                new Case("BlockCoordinateDescent.of/ridge", RIDGE_LAMBDA,
                        factory(() -> BlockCoordinateDescent.<Regression>of(SolverFixtures::leastSquares,
                                SolverFixtures.RIDGE_PROX), w0, args()),
                        SolverContractTest::ridgeOptimal, lam -> SolverFixtures.ridgeDerivative(DATA, lam),
                        10_000, 3, 200),
                new Case("FixedPointIteration/contraction", CONTRACTION_THETA,
                        factory(() -> FixedPointIteration.<Tensor, Tensor>of(CONTRACTION.map()), x0,
                                Function.identity()),
                        SolverContractTest::contractionOptimal, contractionJacobian, 10_000, 20, 1000),
                new Case("NewtonRoot/contraction residual", CONTRACTION_THETA,
                        factory(() -> NewtonRoot.<Tensor, Tensor>of((x, t) -> CONTRACTION.map().apply(x, t).sub(x)),
                                x0, Function.identity()),
                        SolverContractTest::contractionOptimal, contractionJacobian, 100, 1, 10),
                new Case("Broyden (identity start)/contraction residual", CONTRACTION_THETA,
                        factory(() -> Broyden.<Tensor, Tensor>of((x, t) -> x.sub(CONTRACTION.map().apply(x, t)))
                                .withIdentityStart(true), x0, Function.identity()),
                        SolverContractTest::contractionOptimal, contractionJacobian, 1000, 2, 200),
                new Case("MirrorDescent (exponentiated gradient)/entropic linear program", ENTROPIC_TAU,
                        factory(() -> MirrorDescent.<Tensor>exponentiatedGradient(SolverContractTest::entropic)
                                .stepsize(0.5 / ENTROPIC_TAU), Tensor.full(1.0 / ENTROPIC_C.size(), ENTROPIC_C.size()),
                                Function.identity()),
                        SolverContractTest::entropicOptimal, SolverContractTest::entropicDerivative, 10_000, 5, 100),
                new Case("AndersonAcceleration/contraction", CONTRACTION_THETA,
                        factory(() -> AndersonAcceleration.<Tensor, Tensor>of(CONTRACTION.map()), x0,
                                Function.identity()),
                        SolverContractTest::contractionOptimal, contractionJacobian, 10_000, 10, 200));
    }

    // ------------------------------------------------------------------ the contract

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void convergesToTheIndependentAnswer(Case c) {
        Tensor x = c.implicit().apply(Tensor.scalar(c.theta()));
        c.optimal().check(x.toArray(), c.theta());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void implicitDerivativeMatchesFiniteDifferencesAndClosedForm(Case c) {
        Function<Tensor, Tensor> sol = c.implicit();
        double theta = c.theta();
        double[] forward = Autodiff.jacfwd(sol).apply(Tensor.scalar(theta)).toArray();
        double[] reverse = Autodiff.jacrev(sol).apply(Tensor.scalar(theta)).toArray();
        double h = 1e-4 * theta;
        double[] plus = sol.apply(Tensor.scalar(theta + h)).toArray();
        double[] minus = sol.apply(Tensor.scalar(theta - h)).toArray();
        double[] fd = new double[plus.length];
        for (int i = 0; i < fd.length; i++) {
            fd[i] = (plus[i] - minus[i]) / (2 * h);
        }
        double[] closed = c.expectedJacobian().apply(theta);
        double scale = Math.max(1, maxAbs(closed));
        assertTrue(maxAbsDiff(forward, fd) <= 1e-6 * scale, () -> "forward vs finite differences: "
                + maxAbsDiff(forward, fd));
        assertTrue(maxAbsDiff(forward, closed) <= 1e-8 * scale, () -> "forward vs closed form: "
                + maxAbsDiff(forward, closed));
        assertTrue(maxAbsDiff(reverse, closed) <= 1e-8 * scale, () -> "reverse vs closed form: "
                + maxAbsDiff(reverse, closed));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void unrolledDerivativeApproachesTheImplicitOne(Case c) {
        Tensor theta = Tensor.scalar(c.theta());
        double[] implicit = Autodiff.jacfwd(c.implicit()).apply(theta).toArray();
        double scale = Math.max(1, maxAbs(implicit));
        double[] early = Autodiff.jacfwd(c.factory().solution(false, c.unrolledShort(), TOL)).apply(theta).toArray();
        Function<Tensor, Tensor> late = c.factory().solution(false, c.unrolledLong(), TOL);
        double[] lateForward = Autodiff.jacfwd(late).apply(theta).toArray();
        double earlyError = maxAbsDiff(early, implicit) / scale;
        double lateError = maxAbsDiff(lateForward, implicit) / scale;
        assertTrue(lateError < earlyError, () -> "unrolled error did not shrink: " + earlyError + " after "
                + c.unrolledShort() + " iterations, " + lateError + " after " + c.unrolledLong());
        assertTrue(lateError <= 1e-6, () -> "unrolled derivative after " + c.unrolledLong() + " iterations is off by "
                + lateError);
        // Reverse mode through the same loop.
        double[] lateReverse = Autodiff.jacrev(late).apply(theta).toArray();
        assertTrue(maxAbsDiff(lateReverse, lateForward) <= 1e-9 * scale, () -> "unrolled reverse vs forward: "
                + maxAbsDiff(lateReverse, lateForward));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void stoppedEarlyRefusesAnImplicitDerivative(Case c) {
        Function<Tensor, Tensor> sol = c.factory().solution(true, 2, TOL);
        Tensor theta = Tensor.scalar(c.theta());
        ImplicitDiffException forward = assertThrows(ImplicitDiffException.class,
                () -> Autodiff.jacfwd(sol).apply(theta));
        assertNotNull(forward.diagnostics());
        assertFalse(forward.diagnostics().certified());
        assertTrue(forward.getMessage().contains("not a root of the optimality condition"), forward.getMessage());
        assertThrows(ImplicitDiffException.class, () -> Autodiff.grad((Tensor t) -> sol.apply(t).sum()).apply(theta));
    }
}
