package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.implicit.ImplicitDiffException;
import dev.argdiff.tensor.Tensor;
import dev.argdiff.testing.PlainLinearAlgebra;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * L-BFGS-B against independent references: box QPs solved by exhaustive active-set enumeration
 * and by BoxCDQP, the bounded Rosenbrock function with its closed-form solution, L-BFGS where no
 * bound is active; derivatives with respect to θ in f and to the bounds, implicit against
 * unrolled, central finite differences of re-solved problems and closed forms, forward, reverse
 * and second order; refusals (empty box, NaN, uncertified solution) and feasibility of every
 * iterate and every point f is evaluated at.
 */
class LBFGSBTest {

    private static Tensor quadratic(Tensor x, BoxCDQP.Problem p) {
        return x.vdot(p.q().matmul(x)).mul(0.5).add(p.c().vdot(x));
    }

    private static LBFGSB<Tensor, BoxCDQP.Problem> qpSolver() {
        return LBFGSB.of(LBFGSBTest::quadratic, p -> new LBFGSB.Bounds<>(p.lower(), p.upper()));
    }

    private static double maxAbsDiff(double[] a, double[] b) {
        return QpFixtures.maxAbsDiff(a, b);
    }

    // ------------------------------------------------------------------ box QPs

    @Test
    void boxQpsAgreeWithActiveSetEnumerationAndBoxCDQP() {
        Random rnd = new Random(71);
        for (int trial = 0; trial < 14; trial++) {
            int n = 2 + trial % 7;
            double[] q = QpFixtures.spd(rnd, n, 0.05);
            double[] c = QpFixtures.gaussian(rnd, n);
            double[] l = new double[n];
            double[] u = new double[n];
            for (int i = 0; i < n; i++) {
                l[i] = -rnd.nextDouble();
                u[i] = rnd.nextDouble();
            }
            double[] expected = ActiveSetEnumeration.box(q, c, l, u, n).x();
            BoxCDQP.Problem pr = new BoxCDQP.Problem(QpFixtures.matrix(q, n, n), Tensor.of(c), Tensor.of(l), Tensor.of(u));
            SolverResult<Tensor, LBFGSB.State<Tensor>> r = qpSolver().tol(1e-11).run(Tensor.zeros(n), pr);
            int t = trial;
            assertTrue(r.converged(), () -> "trial " + t + ": " + r.status());
            double[] x = r.params().toArray();
            assertTrue(maxAbsDiff(x, expected) <= 1e-9, () -> "trial " + t + ": " + Arrays.toString(x) + " vs "
                    + Arrays.toString(expected));
            double[] cd = BoxCDQP.create().tol(1e-12).maxiter(100_000).run(pr).params().toArray();
            assertTrue(maxAbsDiff(x, cd) <= 1e-9, () -> "trial " + t + " vs BoxCDQP: " + maxAbsDiff(x, cd));
        }
    }

    @Test
    void halfInfiniteBoundsAgreeWithBoxCDQP() {
        Random rnd = new Random(5);
        int n = 30;
        double[] q = QpFixtures.spd(rnd, n, 0.1);
        double[] c = QpFixtures.gaussian(rnd, n);
        double[] l = new double[n];
        double[] u = new double[n];
        for (int i = 0; i < n; i++) {
            l[i] = i % 3 == 0 ? Double.NEGATIVE_INFINITY : -0.2;
            u[i] = i % 4 == 0 ? Double.POSITIVE_INFINITY : 0.3;
        }
        BoxCDQP.Problem pr = new BoxCDQP.Problem(QpFixtures.matrix(q, n, n), Tensor.of(c), Tensor.of(l), Tensor.of(u));
        SolverResult<Tensor, LBFGSB.State<Tensor>> r = qpSolver().tol(1e-11).run(Tensor.zeros(n), pr);
        assertTrue(r.converged(), () -> "status " + r.status());
        double[] cd = BoxCDQP.create().tol(1e-13).maxiter(100_000).run(pr).params().toArray();
        assertTrue(maxAbsDiff(r.params().toArray(), cd) <= 1e-9, () -> "vs BoxCDQP: "
                + maxAbsDiff(r.params().toArray(), cd));
    }

    // ------------------------------------------------------------------ Rosenbrock

    /** (a − x₀)² + 100·(x₁ − x₀²)², with a = θ. */
    private static Tensor rosenbrock(Tensor x, Tensor a) {
        return x.row(0).rsub(0).add(a).square().add(x.row(1).sub(x.row(0).square()).square().mul(100));
    }

    /** Rosenbrock with a = 1 on x ≤ β (both coordinates): for β in (0, 1), x* = (β, β²), x₀ strictly active. */
    private static LBFGSB<Tensor, Tensor> boundedRosenbrock() {
        return LBFGSB.of((Tensor x, Tensor beta) -> rosenbrock(x, Tensor.scalar(1.0)),
                beta -> new LBFGSB.Bounds<>(Tensor.scalar(Double.NEGATIVE_INFINITY), beta));
    }

    @Test
    void boundedRosenbrockReachesItsClosedFormSolutionWithEveryLineSearch() {
        List<LineSearch> searches = List.of(ZoomLineSearch.defaults(), BacktrackingLineSearch.defaults(),
                HagerZhangLineSearch.defaults());
        for (LineSearch ls : searches) {
            SolverResult<Tensor, LBFGSB.State<Tensor>> r = boundedRosenbrock().lineSearch(ls).tol(1e-11)
                    .run(Tensor.of(-1.2, 1), Tensor.scalar(0.5));
            assertTrue(r.converged(), () -> ls.getClass().getSimpleName() + ": " + r.status());
            double[] x = r.params().toArray();
            assertEquals(0.5, x[0], 0.0, ls.getClass().getSimpleName() + ": x0 must sit exactly on its bound");
            assertEquals(0.25, x[1], 1e-10, ls.getClass().getSimpleName());
        }
        // The unconstrained minimizer (1, 1) is inside the box x ≤ 2: no bound active.
        double[] free = boundedRosenbrock().tol(1e-10).run(Tensor.of(-1.2, 1), Tensor.scalar(2.0)).params().toArray();
        assertEquals(1.0, free[0], 1e-8);
        assertEquals(1.0, free[1], 1e-8);
    }

    @Test
    void withoutActiveBoundsTheIteratesAreThoseOfLbfgs() {
        // Extended Rosenbrock in 6 variables with bounds [-5, 5] never reached, and with no bounds at all.
        Function<Tensor, Tensor> f = x -> {
            Tensor s = Tensor.scalar(0.0);
            for (int i = 0; i + 1 < x.size(); i += 2) {
                s = s.add(x.row(i).rsub(1).square()).add(x.row(i + 1).sub(x.row(i).square()).square().mul(100));
            }
            return s;
        };
        Tensor x0 = Tensor.of(-1.2, 1, -1.2, 1, 0.5, -0.3);
        List<double[]> lbfgs = new ArrayList<>();
        LBFGS<Tensor, Object> reference = LBFGS.<Tensor, Object>of((x, a) -> f.apply(x))
                .with(LBFGS.Options.defaults().withLineSearch(ZoomLineSearch.defaults().maxEvaluations(20)))
                .tol(0).maxiter(40).implicitDiff(false)
                .listener(ProgressListener.<Tensor, LBFGS.State<Tensor>>onSteps((x, s) -> lbfgs.add(x.toArray())));
        reference.run(x0, null);
        // Bounds the model never reaches (|x − ∇f| stays below 1e3 along the run) leave every step unchanged.
        for (double bound : new double[]{1e3, Double.POSITIVE_INFINITY}) {
            List<double[]> boxed = new ArrayList<>();
            LBFGSB<Tensor, Object> s = LBFGSB.<Tensor, Object>of((x, a) -> f.apply(x), a -> LBFGSB.Bounds.of(-bound, bound))
                    .tol(0).maxiter(40).implicitDiff(false)
                    .listener(ProgressListener.<Tensor, LBFGSB.State<Tensor>>onSteps((x, st) -> boxed.add(x.toArray())));
            s.run(x0, null);
            assertEquals(lbfgs.size(), boxed.size());
            for (int k = 0; k < lbfgs.size(); k++) {
                int kk = k;
                assertTrue(maxAbsDiff(lbfgs.get(k), boxed.get(k)) <= 1e-8 * (1 + k), () -> "iterate " + kk + " differs by "
                        + maxAbsDiff(lbfgs.get(kk), boxed.get(kk)));
            }
        }
        // (Past ~50 iterations the two runs part at the rounding level, where line-search decisions are noise.)
        // Bounds [-5, 5] cut the first model steps (|∇f(x₀)| ≈ 215) but not the solution: the same minimizer.
        double[] atFive = LBFGSB.<Tensor, Object>of((x, a) -> f.apply(x), a -> LBFGSB.Bounds.of(-5, 5)).tol(1e-10)
                .run(x0, null).params().toArray();
        double[] unconstrained = LBFGS.<Tensor, Object>of((x, a) -> f.apply(x)).tol(1e-10).run(x0, null).params().toArray();
        assertTrue(maxAbsDiff(atFive, unconstrained) <= 1e-8, () -> "box [-5, 5] vs LBFGS: "
                + maxAbsDiff(atFive, unconstrained));
        assertTrue(maxAbsDiff(unconstrained, new double[]{1, 1, 1, 1, 1, 1}) <= 1e-8, "the minimizer is (1, …, 1)");
    }

    // ------------------------------------------------------------------ derivatives

    private static final int N = 7;
    /** Free 0, 3, 5; at the lower bound 1, 4; at the upper bound 2, 6. */
    private static final int[] STATUS = {0, -1, 1, 0, -1, 0, 1};

    /** A box QP whose solution and active set (strictly complementary) are fixed by construction. */
    private static BoxCDQP.Problem constructed() {
        Random rnd = new Random(3);
        double[] q = QpFixtures.spd(rnd, N, 0.3);
        double[] l = new double[N];
        double[] u = new double[N];
        double[] x = new double[N];
        double[] grad = new double[N];
        for (int i = 0; i < N; i++) {
            l[i] = -1 - rnd.nextDouble();
            u[i] = 1 + rnd.nextDouble();
            x[i] = STATUS[i] < 0 ? l[i] : STATUS[i] > 0 ? u[i] : 0.8 * (rnd.nextDouble() - 0.5);
            grad[i] = STATUS[i] == 0 ? 0 : -STATUS[i] * (0.5 + rnd.nextDouble());
        }
        double[] qx = QpFixtures.matvec(q, N, N, x);
        double[] c = new double[N];
        for (int i = 0; i < N; i++) {
            c[i] = grad[i] - qx[i];
        }
        return new BoxCDQP.Problem(QpFixtures.matrix(q, N, N), Tensor.of(c), Tensor.of(l), Tensor.of(u));
    }

    /** x* of a perturbed constructed problem with its active set: x_B at the bounds, Q_FF x_F = −(c_F + Q_FB x_B). */
    private static double[] closedForm(BoxCDQP.Problem p) {
        double[] q = p.q().toArray();
        double[] c = p.c().toArray();
        double[] l = p.lower().toArray();
        double[] u = p.upper().toArray();
        int[] free = {0, 3, 5};
        double[] x = new double[N];
        for (int i = 0; i < N; i++) {
            x[i] = STATUS[i] < 0 ? l[i] : STATUS[i] > 0 ? u[i] : 0;
        }
        double[][] qff = new double[3][3];
        double[] rhs = new double[3];
        for (int a = 0; a < 3; a++) {
            rhs[a] = -c[free[a]];
            for (int j = 0; j < N; j++) {
                if (STATUS[j] != 0) {
                    rhs[a] -= q[free[a] * N + j] * x[j];
                }
            }
            for (int b = 0; b < 3; b++) {
                qff[a][b] = q[free[a] * N + free[b]];
            }
        }
        double[] xf = PlainLinearAlgebra.solve(qff, rhs);
        for (int a = 0; a < 3; a++) {
            x[free[a]] = xf[a];
        }
        return x;
    }

    private static BoxCDQP.Problem perturbed(BoxCDQP.Problem p, BoxCDQP.Problem v, double h) {
        return new BoxCDQP.Problem(p.q().add(v.q().mul(h)), p.c().add(v.c().mul(h)), p.lower().add(v.lower().mul(h)),
                p.upper().add(v.upper().mul(h)));
    }

    @Test
    void qpDerivativesInCLowerAndUpperImplicitUnrolledFiniteDifferencesAndClosedForm() {
        BoxCDQP.Problem p = constructed();
        double[] w = QpFixtures.gaussian(new Random(8), N);
        Tensor wt = Tensor.of(w);
        LBFGSB<Tensor, BoxCDQP.Problem> implicit = qpSolver().tol(1e-12);
        LBFGSB<Tensor, BoxCDQP.Problem> unrolled = qpSolver().tol(1e-12).implicitDiff(false);
        double[] x = implicit.run(Tensor.zeros(N), p).params().toArray();
        assertTrue(maxAbsDiff(x, closedForm(p)) <= 1e-10, () -> "solution off by " + maxAbsDiff(x, closedForm(p)));

        // Reverse mode: ∇ of wᵀx* with respect to (Q, c, l, u).
        BoxCDQP.Problem gi = Autodiff.grad((BoxCDQP.Problem pr) -> implicit.run(Tensor.zeros(N), pr).params().vdot(wt))
                .apply(p);
        BoxCDQP.Problem gu = Autodiff.grad((BoxCDQP.Problem pr) -> unrolled.run(Tensor.zeros(N), pr).params().vdot(wt))
                .apply(p);
        // Forward mode along a random direction of all the data (Q symmetric).
        Random rnd = new Random(12);
        double[] dq = QpFixtures.spd(rnd, N, 0.0);
        BoxCDQP.Problem v = new BoxCDQP.Problem(QpFixtures.matrix(dq, N, N), Tensor.of(QpFixtures.gaussian(rnd, N)),
                Tensor.of(QpFixtures.gaussian(rnd, N)), Tensor.of(QpFixtures.gaussian(rnd, N)));
        double[] ti = Autodiff.jvp((BoxCDQP.Problem pr) -> implicit.run(Tensor.zeros(N), pr).params(), p, v).tangent()
                .toArray();
        double[] tu = Autodiff.jvp((BoxCDQP.Problem pr) -> unrolled.run(Tensor.zeros(N), pr).params(), p, v).tangent()
                .toArray();
        double h = 1e-6;
        double[] plus = closedForm(perturbed(p, v, h));
        double[] minus = closedForm(perturbed(p, v, -h));
        double[] solvedPlus = implicit.run(Tensor.zeros(N), perturbed(p, v, h)).params().toArray();
        double[] solvedMinus = implicit.run(Tensor.zeros(N), perturbed(p, v, -h)).params().toArray();
        double[] closed = new double[N];
        double[] fd = new double[N];
        for (int i = 0; i < N; i++) {
            // Central differences of the closed form, which is smooth in the data on this active set.
            closed[i] = (plus[i] - minus[i]) / (2 * h);
            fd[i] = (solvedPlus[i] - solvedMinus[i]) / (2 * h);
        }
        assertTrue(maxAbsDiff(ti, closed) <= 1e-7, () -> "forward implicit vs closed form " + maxAbsDiff(ti, closed));
        assertTrue(maxAbsDiff(tu, ti) <= 1e-8, () -> "forward unrolled vs implicit " + maxAbsDiff(tu, ti));
        assertTrue(maxAbsDiff(fd, ti) <= 1e-5, () -> "forward implicit vs finite differences " + maxAbsDiff(fd, ti));
        // Reverse against forward: ⟨∇(wᵀx*), v⟩ = wᵀ(dx*·v).
        double reverseDotV = gi.q().vdot(v.q()).add(gi.c().vdot(v.c())).add(gi.lower().vdot(v.lower()))
                .add(gi.upper().vdot(v.upper())).item();
        double unrolledDotV = gu.q().vdot(v.q()).add(gu.c().vdot(v.c())).add(gu.lower().vdot(v.lower()))
                .add(gu.upper().vdot(v.upper())).item();
        double forwardDotW = 0;
        for (int i = 0; i < N; i++) {
            forwardDotW += w[i] * closed[i];
        }
        assertEquals(forwardDotW, reverseDotV, 1e-7 * Math.max(1, Math.abs(forwardDotW)), "reverse implicit");
        assertEquals(forwardDotW, unrolledDotV, 1e-7 * Math.max(1, Math.abs(forwardDotW)), "reverse unrolled");
        // The bounds: ∂(wᵀx*)/∂lᵢ = wᵢ on the coordinates at their lower bound, 0 elsewhere; likewise for u.
        for (int i = 0; i < N; i++) {
            double gl = gi.lower().toArray()[i];
            double gup = gi.upper().toArray()[i];
            if (STATUS[i] < 0) {
                assertTrue(Math.abs(gl) > 1e-3 && Math.abs(gup) == 0, "coordinate " + i + " at its lower bound");
            } else if (STATUS[i] > 0) {
                assertTrue(Math.abs(gup) > 1e-3 && Math.abs(gl) == 0, "coordinate " + i + " at its upper bound");
            } else {
                assertEquals(0.0, gl, 0.0, "free coordinate " + i + " has no lower-bound derivative");
                assertEquals(0.0, gup, 0.0, "free coordinate " + i + " has no upper-bound derivative");
            }
        }
    }

    @Test
    void rosenbrockDerivativeInTheBoundToSecondOrder() {
        // x*(β) = (β, β²) on x ≤ β for β in (0, 1): dx*/dβ = (1, 2β), d²x₁*/dβ² = 2.
        double beta = 0.6;
        LBFGSB<Tensor, Tensor> s = boundedRosenbrock().tol(1e-12);
        Function<Tensor, Tensor> sol = b -> s.run(Tensor.of(-1.2, 1), b).params();
        double[] fwd = Autodiff.jacfwd(sol).apply(Tensor.scalar(beta)).toArray();
        double[] rev = Autodiff.jacrev(sol).apply(Tensor.scalar(beta)).toArray();
        assertEquals(1.0, fwd[0], 1e-10);
        assertEquals(2 * beta, fwd[1], 1e-8);
        assertEquals(1.0, rev[0], 1e-10);
        assertEquals(2 * beta, rev[1], 1e-8);
        double[] unrolled = Autodiff.jacfwd((Tensor b) -> s.implicitDiff(false).run(Tensor.of(-1.2, 1), b).params())
                .apply(Tensor.scalar(beta)).toArray();
        assertEquals(1.0, unrolled[0], 1e-8);
        assertEquals(2 * beta, unrolled[1], 1e-6);
        double h = 1e-5;
        double fd = (sol.apply(Tensor.scalar(beta + h)).toArray()[1] - sol.apply(Tensor.scalar(beta - h)).toArray()[1])
                / (2 * h);
        assertEquals(fwd[1], fd, 1e-6);
        // Second order, implicit: grad of grad, and the Hessian of x₁*.
        Function<Tensor, Tensor> x1 = b -> sol.apply(b).row(1);
        double second = Autodiff.grad(Autodiff.grad(x1)).apply(Tensor.scalar(beta)).item();
        assertEquals(2.0, second, 1e-6);
        double hessian = Autodiff.hessian(x1).apply(Tensor.scalar(beta)).item();
        assertEquals(2.0, hessian, 1e-6);
    }

    @Test
    void derivativeInAParameterOfTheObjective() {
        // (a − x₀)² + 100(x₁ − x₀²)² on x ≤ 2: unconstrained minimizer (a, a²) inside, dx*/da = (1, 2a);
        // on x₀ ≤ 0.5 with a = 1 the bound holds x₀ and x₁ = x₀², so dx*/da = 0.
        LBFGSB<Tensor, Tensor> inside = LBFGSB.<Tensor, Tensor>of(LBFGSBTest::rosenbrock,
                a -> LBFGSB.Bounds.of(Double.NEGATIVE_INFINITY, 2)).tol(1e-12);
        Function<Tensor, Tensor> sol = a -> inside.run(Tensor.of(-1.2, 1), a).params();
        double a = 1.2;
        double[] fwd = Autodiff.jacfwd(sol).apply(Tensor.scalar(a)).toArray();
        double[] rev = Autodiff.jacrev(sol).apply(Tensor.scalar(a)).toArray();
        double[] unrolled = Autodiff.jacrev((Tensor t) -> inside.implicitDiff(false).run(Tensor.of(-1.2, 1), t).params())
                .apply(Tensor.scalar(a)).toArray();
        double[] expected = {1, 2 * a};
        assertTrue(maxAbsDiff(fwd, expected) <= 1e-8, () -> "forward " + Arrays.toString(fwd));
        assertTrue(maxAbsDiff(rev, expected) <= 1e-8, () -> "reverse " + Arrays.toString(rev));
        assertTrue(maxAbsDiff(unrolled, expected) <= 1e-6, () -> "unrolled " + Arrays.toString(unrolled));
        LBFGSB<Tensor, Tensor> active = LBFGSB.<Tensor, Tensor>of(LBFGSBTest::rosenbrock,
                t -> LBFGSB.Bounds.of(Double.NEGATIVE_INFINITY, 0.5)).tol(1e-12);
        double[] held = Autodiff.jacfwd((Tensor t) -> active.run(Tensor.of(-1.2, 1), t).params())
                .apply(Tensor.scalar(1.0)).toArray();
        assertEquals(0.0, held[0], 0.0);
        assertEquals(0.0, held[1], 1e-10);
    }

    // ------------------------------------------------------------------ refusals

    @Test
    void emptyBoxesNaNAndBadShapesAreRefusedNamingTheArgument() {
        BoxCDQP.Problem p = constructed();
        double[] l = p.lower().toArray();
        double[] u = p.upper().toArray();
        double[] swapped = l.clone();
        swapped[4] = u[4] + 1;
        BoxCDQP.Problem empty = new BoxCDQP.Problem(p.q(), p.c(), Tensor.of(swapped), p.upper());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> qpSolver().run(Tensor.zeros(N), empty));
        assertTrue(e.getMessage().contains("empty at entry 4") && e.getMessage().contains("lower"), e.getMessage());
        double[] nan = u.clone();
        nan[2] = Double.NaN;
        BoxCDQP.Problem nanUpper = new BoxCDQP.Problem(p.q(), p.c(), p.lower(), Tensor.of(nan));
        e = assertThrows(IllegalArgumentException.class, () -> qpSolver().run(Tensor.zeros(N), nanUpper));
        assertTrue(e.getMessage().contains("upper is NaN at entry 2"), e.getMessage());
        double[] x0 = new double[N];
        x0[1] = Double.NaN;
        e = assertThrows(IllegalArgumentException.class, () -> qpSolver().run(Tensor.of(x0), p));
        assertTrue(e.getMessage().contains("initParams is NaN at entry 1"), e.getMessage());
        BoxCDQP.Problem wrongShape = new BoxCDQP.Problem(p.q(), p.c(), Tensor.zeros(3), p.upper());
        e = assertThrows(IllegalArgumentException.class, () -> qpSolver().run(Tensor.zeros(N), wrongShape));
        assertTrue(e.getMessage().contains("lower"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> LBFGSB.<Tensor, Object>of((x, a) -> x.sum(), a -> LBFGSB.Bounds.of(1, Double.NEGATIVE_INFINITY))
                        .run(Tensor.zeros(2), null));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LBFGSB.of(null, a -> LBFGSB.Bounds.of(0, 1)));
        assertThrows(IllegalArgumentException.class, () -> LBFGSB.<Tensor, Object>of((x, a) -> x.sum(), null));
        e = assertThrows(IllegalArgumentException.class, () -> new LBFGSB.Bounds<>(Tensor.zeros(2), null));
        assertTrue(e.getMessage().contains("upper"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> qpSolver().theta(0));
        assertTrue(e.getMessage().contains("theta"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> qpSolver().historySize(-1));
        assertTrue(e.getMessage().contains("historySize"), e.getMessage());
    }

    @Test
    void anUnconvergedSolveRefusesItsImplicitDerivative() {
        // Rosenbrock with a = θ on x ≤ 2 (no bound active at the solution) stopped after 3 iterations.
        LBFGSB<Tensor, Tensor> s = LBFGSB.<Tensor, Tensor>of(LBFGSBTest::rosenbrock,
                a -> LBFGSB.Bounds.of(Double.NEGATIVE_INFINITY, 2)).maxiter(3).tol(1e-12);
        Function<Tensor, Tensor> sol = a -> s.run(Tensor.of(-1.2, 1), a).params();
        assertEquals(SolverStatus.MAX_ITERATIONS, s.run(Tensor.of(-1.2, 1), Tensor.scalar(0.6)).status());
        ImplicitDiffException e = assertThrows(ImplicitDiffException.class,
                () -> Autodiff.jacfwd(sol).apply(Tensor.scalar(0.6)));
        assertTrue(e.getMessage().contains("not a root of the optimality condition"), e.getMessage());
        assertThrows(ImplicitDiffException.class, () -> Autodiff.grad((Tensor a) -> sol.apply(a).sum())
                .apply(Tensor.scalar(0.6)));
    }

    // ------------------------------------------------------------------ feasibility

    @Test
    void everyIterateAndEveryEvaluatedPointIsInTheBox() {
        // f(x) = Σ xᵢ log xᵢ − cᵀx is not defined for x < 0: the box [0, 0.3] must hold every evaluation.
        int n = 12;
        double[] c = QpFixtures.gaussian(new Random(4), n);
        AtomicInteger outside = new AtomicInteger();
        AtomicInteger evaluations = new AtomicInteger();
        LBFGSB<Tensor, Tensor> s = LBFGSB.<Tensor, Tensor>of((x, cc) -> {
            evaluations.incrementAndGet();
            for (double v : x.toArray()) {
                if (v < 0 || v > 0.3) {
                    outside.incrementAndGet();
                }
            }
            return x.mul(x.maximum(1e-300).log()).sum().sub(cc.vdot(x));
        }, cc -> LBFGSB.Bounds.of(0, 0.3));
        List<double[]> iterates = new ArrayList<>();
        // An infeasible start: projected onto the box before the first step.
        Tensor x0 = Tensor.full(2.0, n);
        for (LineSearch ls : List.of(ZoomLineSearch.defaults(), BacktrackingLineSearch.defaults(),
                HagerZhangLineSearch.defaults().withMaxStepsize(10))) {
            SolverResult<Tensor, LBFGSB.State<Tensor>> r = s.lineSearch(ls).maxStepsize(10).tol(1e-10)
                    .listener(ProgressListener.<Tensor, LBFGSB.State<Tensor>>onSteps((x, st) -> iterates.add(x.toArray())))
                    .run(x0, Tensor.of(c));
            assertTrue(r.converged(), () -> ls.getClass().getSimpleName() + ": " + r.status());
            // Closed form: xᵢ = clip(exp(cᵢ − 1), 0, 0.3), the coordinates separate.
            double[] x = r.params().toArray();
            for (int i = 0; i < n; i++) {
                assertEquals(Math.min(Math.exp(c[i] - 1), 0.3), x[i], 1e-9, "coordinate " + i);
            }
        }
        assertTrue(evaluations.get() > 30);
        assertEquals(0, outside.get(), "f was evaluated outside the box");
        for (double[] x : iterates) {
            for (double v : x) {
                assertTrue(v >= 0 && v <= 0.3, "iterate outside the box: " + Arrays.toString(x));
            }
        }
    }

    @Test
    void treeParametersWithPerLeafBounds() {
        // x = (a, b): min ‖a − 2‖² + ‖b + 3‖² on a ≤ 1 (a vector), b ≥ −1 (a scalar bound for a matrix leaf).
        LBFGSB<List<Tensor>, Object> s = LBFGSB.<List<Tensor>, Object>of(
                (x, o) -> x.get(0).sub(2).square().sum().add(x.get(1).add(3).square().sum()),
                o -> new LBFGSB.Bounds<>(List.of(Tensor.scalar(Double.NEGATIVE_INFINITY), Tensor.scalar(-1)),
                        List.of(Tensor.of(1, 1.5, 3), Tensor.scalar(Double.POSITIVE_INFINITY)))).tol(1e-12);
        List<Tensor> x = s.run(List.of(Tensor.zeros(3), Tensor.zeros(2, 2)), null).params();
        assertTrue(maxAbsDiff(x.get(0).toArray(), new double[]{1, 1.5, 2}) <= 1e-10, Arrays.toString(x.get(0).toArray()));
        assertTrue(maxAbsDiff(x.get(1).toArray(), new double[]{-1, -1, -1, -1}) <= 1e-10);
        assertEquals(List.of(2, 2), Arrays.stream(x.get(1).shape()).boxed().toList());
    }

    // ------------------------------------------------------------------ degenerate cases and usage

    @Test
    void atAWeaklyActiveBoundTheDerivativeIsTheFreeOneSidedOne() {
        // min ½(x − θ)² on x ≥ 0: x*(θ) = max(θ, 0). At θ = 0 the bound is weakly active (x* = 0, f' = 0);
        // the documented choice is the derivative of a free coordinate, the right derivative 1, and the
        // bound gets none. Away from 0 both sides are checked against the closed form.
        LBFGSB<Tensor, Tensor> s = LBFGSB.<Tensor, Tensor>of((x, t) -> x.sub(t).square().sum().mul(0.5),
                t -> new LBFGSB.Bounds<>(Tensor.zeros(1), Tensor.scalar(Double.POSITIVE_INFINITY))).tol(1e-12);
        Function<Tensor, Tensor> sol = t -> s.run(Tensor.of(1.0), t).params();
        assertEquals(0.0, sol.apply(Tensor.scalar(0.0)).item(), 0.0);
        assertEquals(1.0, Autodiff.jacfwd(sol).apply(Tensor.scalar(0.0)).item(), 0.0);
        assertEquals(1.0, Autodiff.jacrev(sol).apply(Tensor.scalar(0.0)).item(), 0.0);
        assertEquals(1.0, Autodiff.jacfwd(sol).apply(Tensor.scalar(0.3)).item(), 1e-12);
        assertEquals(0.0, Autodiff.jacfwd(sol).apply(Tensor.scalar(-0.3)).item(), 0.0);
        // The lower bound's derivative: none at the weakly active point, 1 where the bound is strictly active.
        LBFGSB<Tensor, Tensor> byBound = LBFGSB.<Tensor, Tensor>of((x, l) -> x.square().sum().mul(0.5),
                l -> new LBFGSB.Bounds<>(l, Tensor.scalar(Double.POSITIVE_INFINITY))).tol(1e-12);
        assertEquals(0.0, Autodiff.jacfwd((Tensor l) -> byBound.run(Tensor.of(1.0), l.reshape(1)).params())
                .apply(Tensor.scalar(0.0)).item(), 0.0);
        assertEquals(1.0, Autodiff.jacfwd((Tensor l) -> byBound.run(Tensor.of(1.0), l.reshape(1)).params())
                .apply(Tensor.scalar(0.4)).item(), 0.0);
    }

    @Test
    void fixedCoordinatesAndAFixedStep() {
        Random rnd = new Random(9);
        int n = 8;
        double[] q = QpFixtures.spd(rnd, n, 0.2);
        double[] c = QpFixtures.gaussian(rnd, n);
        double[] l = new double[n];
        double[] u = new double[n];
        for (int i = 0; i < n; i++) {
            l[i] = -0.5;
            u[i] = i % 3 == 0 ? -0.5 : 0.5;   // l = u: coordinates 0, 3, 6 fixed at −0.5
        }
        BoxCDQP.Problem pr = new BoxCDQP.Problem(QpFixtures.matrix(q, n, n), Tensor.of(c), Tensor.of(l), Tensor.of(u));
        double[] cd = BoxCDQP.create().tol(1e-13).maxiter(100_000).run(pr).params().toArray();
        double[] x = qpSolver().tol(1e-11).run(Tensor.zeros(n), pr).params().toArray();
        assertTrue(maxAbsDiff(x, cd) <= 1e-9, () -> "vs BoxCDQP: " + maxAbsDiff(x, cd));
        for (int i = 0; i < n; i += 3) {
            assertEquals(-0.5, x[i], 0.0, "fixed coordinate " + i);
        }
        // A fixed step 1 (the subspace step itself, clipped to the box) reaches the same point.
        double[] fixed = qpSolver().stepsize(1.0).tol(1e-11).run(Tensor.zeros(n), pr).params().toArray();
        assertTrue(maxAbsDiff(fixed, cd) <= 1e-9, () -> "fixed step vs BoxCDQP: " + maxAbsDiff(fixed, cd));
    }

    @Test
    void auxIsThatOfTheReturnedIterateAndThreadsShareASolver() throws Exception {
        BoxCDQP.Problem p = constructed();
        LBFGSB<Tensor, BoxCDQP.Problem> s = LBFGSB.<Tensor, BoxCDQP.Problem>ofObjective(
                Objective.withAux((Tensor x, BoxCDQP.Problem a) -> new Autodiff.Aux<>(quadratic(x, a), x.sum())),
                a -> new LBFGSB.Bounds<>(a.lower(), a.upper())).tol(1e-12);
        SolverResult<Tensor, LBFGSB.State<Tensor>> r = s.run(Tensor.zeros(N), p);
        assertEquals(r.params().sum().item(), ((Tensor) r.state().aux()).item(), 0.0);
        assertEquals(quadratic(r.params(), p).item(), r.state().value(), 0.0);
        double[] expected = closedForm(p);
        List<Thread> threads = new ArrayList<>();
        List<double[]> results = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int k = 0; k < 4; k++) {
            Thread t = new Thread(() -> results.add(Autodiff.grad((Tensor c) -> s.run(Tensor.zeros(N),
                    new BoxCDQP.Problem(p.q(), c, p.lower(), p.upper())).params().sum()).apply(p.c()).toArray()));
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        double[] single = Autodiff.grad((Tensor c) -> s.run(Tensor.zeros(N),
                new BoxCDQP.Problem(p.q(), c, p.lower(), p.upper())).params().sum()).apply(p.c()).toArray();
        assertEquals(4, results.size());
        for (double[] g : results) {
            assertTrue(Arrays.equals(single, g), "a thread's gradient differs");
        }
        assertTrue(maxAbsDiff(s.run(Tensor.zeros(N), p).params().toArray(), expected) <= 1e-10);
    }

    @Test
    void aFailedLineSearchStopsTheRunWhenAsked() {
        // f = ‖x‖₁-like kink: |x₀| + x₁² with x₀ ≥ −1; the derivative at the kink misleads every search.
        LBFGSB<Tensor, Object> s = LBFGSB.<Tensor, Object>of((x, a) -> x.row(0).abs().add(x.row(1).square()).mul(1.0),
                a -> LBFGSB.Bounds.of(-1, 1)).lineSearch(BacktrackingLineSearch.defaults().withMaxEvaluations(3))
                .stopIfLinesearchFails(true).tol(1e-12).maxiter(200);
        SolverResult<Tensor, LBFGSB.State<Tensor>> r = s.run(Tensor.of(0.3, 0.5), null);
        assertEquals(SolverStatus.LINE_SEARCH_FAILED, r.status());
        assertTrue(r.state().failedLineSearches() >= 1);
    }

    @Test
    void boundsCapturedByTheClosureAreDifferentiatedAndUnrolledRunsAreDeterministic() {
        // The bound β reaches the solver through the bounds function's closure, not through args.
        double beta = 0.6;
        Function<Tensor, Tensor> captured = b -> LBFGSB.<Tensor, Object>of((x, a) -> rosenbrock(x, Tensor.scalar(1.0)),
                a -> new LBFGSB.Bounds<>(Tensor.scalar(Double.NEGATIVE_INFINITY), b)).tol(1e-12)
                .run(Tensor.of(-1.2, 1), null).params().row(1);
        assertEquals(2 * beta, Autodiff.grad(captured).apply(Tensor.scalar(beta)).item(), 1e-8);
        LBFGSB<Tensor, Tensor> unrolled = boundedRosenbrock().tol(1e-12).implicitDiff(false);
        double plain = Autodiff.grad((Tensor b) -> unrolled.run(Tensor.of(-1.2, 1), b).params().row(1))
                .apply(Tensor.scalar(beta)).item();
        double checkpointed = Autodiff.grad((Tensor b) -> unrolled.checkpointEvery(4).run(Tensor.of(-1.2, 1), b)
                .params().row(1)).apply(Tensor.scalar(beta)).item();
        assertEquals(2 * beta, plain, 1e-6);
        assertEquals(plain, checkpointed, 1e-12);
        // Traced (unrolled) and concrete runs take bitwise the same steps, here through 2m×2m solves.
        BoxCDQP.Problem p = constructed();
        LBFGSB<Tensor, BoxCDQP.Problem> qp = qpSolver().tol(1e-12);
        double[] concrete = qp.run(Tensor.zeros(N), p).params().toArray();
        double[] traced = Autodiff.jvp((BoxCDQP.Problem pr) -> qp.implicitDiff(false).run(Tensor.zeros(N), pr).params(),
                p, new BoxCDQP.Problem(Tensor.zeros(N, N), Tensor.ones(N), Tensor.zeros(N), Tensor.zeros(N)))
                .value().toArray();
        assertTrue(Arrays.equals(concrete, traced), () -> "unrolled run differs by " + maxAbsDiff(concrete, traced));
        assertTrue(qp.run(Tensor.zeros(N), p).state().iterations() > 5, "the memory was used");
    }

    @Test
    void optionsStartAtJaxoptsDefaultsAndConvenienceMethodsAreRecordCopies() {
        LBFGSB.Options d = LBFGSB.Options.defaults();
        assertEquals(10, d.historySize());
        assertEquals(new ZoomLineSearch(1e-4, 0.9, 1e-6, 2.0, 1.0, 20), d.lineSearch());
        assertEquals(1.0, d.theta(), 0.0);
        assertEquals(d, qpSolver().own());
        assertEquals(d.withHistorySize(3).withTheta(2).withUseGamma(false).withStopIfLinesearchFails(true),
                qpSolver().historySize(3).theta(2).useGamma(false).stopIfLinesearchFails(true).own());
        assertEquals(5.0, qpSolver().maxStepsize(5).own().lineSearch().maxStepsize(), 0.0);
        assertEquals(d, qpSolver().historySize(3).with(d).own());
        assertEquals(7, qpSolver().maxls(7).own().lineSearch().maxEvaluations());
        assertEquals(0.4, qpSolver().wolfe(1e-3, 0.4).own().lineSearch().c2(), 0.0);
        IllegalArgumentException e0 = assertThrows(IllegalArgumentException.class, () -> qpSolver().maxls(0));
        assertTrue(e0.getMessage().contains("maxls"), e0.getMessage());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> qpSolver().maxStepsize(0));
        assertTrue(e.getMessage().contains("maxStepsize"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> qpSolver().lineSearch(null));
        assertTrue(e.getMessage().contains("lineSearch"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> qpSolver().stepsize(k -> -1.0).run(Tensor.zeros(N), constructed()));
        assertTrue(e.getMessage().contains("schedule"), e.getMessage());
    }

    @Test
    void aLinearObjectiveEndsAtTheCornerWithoutNaN() {
        // f(a, b) = −a on [−1, 1]²: no curvature pair is ever stored (y = 0); the solution set is a = 1 (JAXopt's
        // issue #492 returned b = NaN from x₀ = (1, 0)). From (1, 0) the point is already stationary.
        LBFGSB<Tensor, Object> s = LBFGSB.<Tensor, Object>of((x, o) -> x.row(0).neg(), o -> LBFGSB.Bounds.of(-1, 1));
        SolverResult<Tensor, LBFGSB.State<Tensor>> atCorner = s.run(Tensor.of(1.0, 0.0), null);
        assertTrue(atCorner.converged(), () -> "status " + atCorner.status());
        assertTrue(Arrays.equals(new double[]{1, 0}, atCorner.params().toArray()), Arrays.toString(atCorner.params().toArray()));
        SolverResult<Tensor, LBFGSB.State<Tensor>> fromInside = s.run(Tensor.of(-0.3, 0.4), null);
        assertTrue(fromInside.converged(), () -> "status " + fromInside.status());
        assertTrue(Arrays.equals(new double[]{1, 0.4}, fromInside.params().toArray()),
                Arrays.toString(fromInside.params().toArray()));
    }
}
