package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.implicit.ImplicitDiffException;
import dev.argdiff.solvers.SolverFixtures.Regression;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;

import static dev.argdiff.solvers.SolverFixtures.maxAbs;
import static dev.argdiff.solvers.SolverFixtures.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LBFGS and GradientDescent with each line search: the minimizer of Rosenbrock / a quadratic,
 * the ridge solution's derivative (implicit, unrolled, central finite differences, closed form),
 * stopIfLinesearchFails on searches made to fail, and NaN data ending the run as NON_FINITE.
 */
class LineSearchChoiceTest {

    static List<LineSearch> searches() {
        return List.of(ZoomLineSearch.defaults(), HagerZhangLineSearch.defaults(), BacktrackingLineSearch.defaults());
    }

    static List<Arguments> solversAndSearches() {
        List<Arguments> out = new ArrayList<>();
        for (String solver : List.of("LBFGS", "GradientDescent")) {
            for (LineSearch ls : searches()) {
                out.add(Arguments.of(solver, ls));
            }
        }
        return out;
    }

    private static <A> IterativeSolver<Tensor, A, ?, ?> make(String solver, BiFunction<Tensor, A, Tensor> f,
                                                             LineSearch ls) {
        return solver.equals("LBFGS") ? LBFGS.of(f).lineSearch(ls) : GradientDescent.of(f).lineSearch(ls);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("searches")
    void lbfgsMinimizesRosenbrock(LineSearch ls) {
        SolverResult<Tensor, LBFGS.State<Tensor>> r = LBFGS.of(QuasiNewtonTest::rosenbrock).lineSearch(ls)
                .tol(1e-9).maxiter(1000).run(Tensor.of(-1.2, 1), null);
        assertTrue(r.converged(), ls + ": " + r.status() + " after " + r.iterations());
        assertEquals(1.0, r.params().get(0), 1e-8, ls.toString());
        assertEquals(1.0, r.params().get(1), 1e-8, ls.toString());
    }

    /** ½xᵀQx − bᵀx, minimized at Q⁻¹b. */
    private static final double[] Q = {3, 1, 0, 1, 2, 0.5, 0, 0.5, 1};
    private static final double[] B = {1, -2, 0.5};

    private static Tensor quadratic(Tensor x, Object unused) {
        Tensor q = Tensor.of(Q).reshape(3, 3);
        return x.vdot(q.matmul(x)).mul(0.5).sub(x.vdot(Tensor.of(B)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("searches")
    void gradientDescentMinimizesAQuadratic(LineSearch ls) {
        double[] expected = SolverFixtures.solve(Q.clone(), B.clone(), 3);
        SolverResult<Tensor, ProximalGradient.State<Tensor>> r = GradientDescent.of(LineSearchChoiceTest::quadratic)
                .lineSearch(ls).tol(1e-10).maxiter(5000).run(Tensor.zeros(3), null);
        assertTrue(r.converged(), ls + ": " + r.status() + " after " + r.iterations());
        assertTrue(maxAbsDiff(expected, r.params().toArray()) <= 1e-9, ls + ": off by "
                + maxAbsDiff(expected, r.params().toArray()));
        // The error is ‖∇f‖ at the returned iterate, computed here independently: Qx − b.
        double[] x = r.params().toArray();
        double g = 0;
        for (int i = 0; i < 3; i++) {
            double gi = -B[i];
            for (int j = 0; j < 3; j++) {
                gi += Q[i * 3 + j] * x[j];
            }
            g += gi * gi;
        }
        assertEquals(Math.sqrt(g), r.error(), 1e-12);
    }

    private static final Regression DATA = SolverFixtures.regression(5, 30, 4);

    /** dw/dλ of the ridge solution: implicit (jacfwd), unrolled (jacrev), central differences, closed form. */
    @ParameterizedTest(name = "{0} / {1}")
    @MethodSource("solversAndSearches")
    void ridgeDerivativeImplicitUnrolledAndFiniteDifferencesAgree(String solver, LineSearch ls) {
        double lam = 0.4;
        double[] expected = SolverFixtures.ridgeDerivative(DATA, lam);
        double scale = Math.max(1, maxAbs(expected));
        Tensor w0 = Tensor.zeros(DATA.p());
        IterativeSolver<Tensor, Regression, ?, ?> implicit = make(solver, SolverFixtures::ridge, ls)
                .tol(1e-12).maxiter(3000);
        IterativeSolver<Tensor, Regression, ?, ?> unrolled = implicit.implicitDiff(false);
        Function<Tensor, Tensor> solImplicit = t -> implicit.run(w0, DATA.withLam(t)).params();
        Function<Tensor, Tensor> solUnrolled = t -> unrolled.run(w0, DATA.withLam(t)).params();
        double[] dImplicit = Autodiff.jacfwd(solImplicit).apply(Tensor.scalar(lam)).toArray();
        double[] dUnrolled = Autodiff.jacrev(solUnrolled).apply(Tensor.scalar(lam)).toArray();
        double h = 1e-4;
        double[] plus = solImplicit.apply(Tensor.scalar(lam + h)).toArray();
        double[] minus = solImplicit.apply(Tensor.scalar(lam - h)).toArray();
        double[] fd = new double[plus.length];
        for (int i = 0; i < fd.length; i++) {
            fd[i] = (plus[i] - minus[i]) / (2 * h);
        }
        String where = solver + " / " + ls;
        assertTrue(maxAbsDiff(dImplicit, expected) <= 1e-8 * scale, where + ": implicit off by "
                + maxAbsDiff(dImplicit, expected));
        assertTrue(maxAbsDiff(dUnrolled, expected) <= 1e-7 * scale, where + ": unrolled off by "
                + maxAbsDiff(dUnrolled, expected));
        assertTrue(maxAbsDiff(fd, dImplicit) <= 1e-6 * scale, where + ": finite differences off by "
                + maxAbsDiff(fd, dImplicit));
    }

    /** One evaluation from step 1 on 1e4·‖x‖² overshoots: the search fails at once. */
    private static final LineSearch ONE_TRY = BacktrackingLineSearch.defaults().withMaxEvaluations(1);

    @Test
    void stopIfLinesearchFailsStopsLbfgsAndGradientDescent() {
        BiFunction<Tensor, Object, Tensor> f = (x, a) -> x.square().sum().mul(1e4);
        Tensor x0 = Tensor.of(1.0, -2.0);
        SolverResult<Tensor, LBFGS.State<Tensor>> stopped = LBFGS.of(f).lineSearch(ONE_TRY).stopIfLinesearchFails(true)
                .run(x0, null);
        assertEquals(SolverStatus.LINE_SEARCH_FAILED, stopped.status());
        assertEquals(1, stopped.iterations());
        assertEquals(1, stopped.state().failedLineSearches());
        assertEquals(0.0, maxAbsDiff(x0.toArray(), stopped.params().toArray()));
        SolverResult<Tensor, LBFGS.State<Tensor>> goesOn = LBFGS.of(f).lineSearch(ONE_TRY).maxiter(5).run(x0, null);
        assertEquals(SolverStatus.MAX_ITERATIONS, goesOn.status());
        assertEquals(5, goesOn.state().failedLineSearches());

        SolverResult<Tensor, ProximalGradient.State<Tensor>> gd = GradientDescent.of(f).lineSearch(ONE_TRY)
                .stopIfLinesearchFails(true).run(x0, null);
        assertEquals(SolverStatus.LINE_SEARCH_FAILED, gd.status());
        assertEquals(1, gd.iterations());
        assertEquals(0.0, maxAbsDiff(x0.toArray(), gd.params().toArray()));
        // ‖∇f(x0)‖ = 2e4·‖x0‖ = 2e4·√5
        assertEquals(2e4 * Math.sqrt(5), gd.error(), 1e-9);
        assertEquals(SolverStatus.MAX_ITERATIONS, GradientDescent.of(f).lineSearch(ONE_TRY).maxiter(5).run(x0, null)
                .status());
    }

    /**
     * A user gradient with the wrong sign (a bug in hand-written derivatives): −g points uphill, no
     * step of the backtracking sequence decreases f, and the run stops there instead of wandering.
     */
    @Test
    void aWrongUserGradientMakesTheSearchFailAndTheRunStop() {
        Objective<Tensor, Object> wrong = Objective.valueAndGrad((x, a) ->
                new Autodiff.ValueAndGrad<>(x.sub(Tensor.of(1, 2)).squaredNorm(), x.sub(Tensor.of(1, 2)).mul(-2)));
        Tensor x0 = Tensor.of(-1.0, 0.5);
        LineSearch armijo = BacktrackingLineSearch.defaults();
        SolverResult<Tensor, LBFGS.State<Tensor>> l = LBFGS.ofObjective(wrong).lineSearch(armijo)
                .stopIfLinesearchFails(true).run(x0, null);
        assertEquals(SolverStatus.LINE_SEARCH_FAILED, l.status());
        assertEquals(0.0, maxAbsDiff(x0.toArray(), l.params().toArray()));
        SolverResult<Tensor, ProximalGradient.State<Tensor>> g = GradientDescent.ofObjective(wrong).lineSearch(armijo)
                .stopIfLinesearchFails(true).run(x0, null);
        assertEquals(SolverStatus.LINE_SEARCH_FAILED, g.status());
        assertEquals(0.0, maxAbsDiff(x0.toArray(), g.params().toArray()));
    }

    /** The implicit derivative of a run stopped by a failed search is refused (x is no root of ∇f). */
    @Test
    void certificationRefusesARunStoppedByAFailedSearch() {
        BiFunction<Tensor, Tensor, Tensor> f = (x, a) -> x.square().sum().mul(a);
        Tensor x0 = Tensor.of(1.0, -2.0);
        assertThrows(ImplicitDiffException.class, () -> Autodiff.jacfwd((Tensor t) ->
                LBFGS.of(f).lineSearch(ONE_TRY).stopIfLinesearchFails(true).run(x0, t).params())
                .apply(Tensor.scalar(1e4)));
        assertThrows(ImplicitDiffException.class, () -> Autodiff.jacfwd((Tensor t) ->
                GradientDescent.of(f).lineSearch(ONE_TRY).stopIfLinesearchFails(true).run(x0, t).params())
                .apply(Tensor.scalar(1e4)));
    }

    /** NaN in the data: every line-search solver ends with NON_FINITE instead of throwing from its search. */
    @Test
    void nanDataEndsTheRunAsNonFinite() {
        BiFunction<Tensor, Object, Tensor> f = (x, a) -> x.sub(Tensor.of(1, Double.NaN)).squaredNorm();
        Tensor x0 = Tensor.of(0.0, 0.0);
        List<IterativeSolver<Tensor, Object, ?, ?>> solvers = List.of(BFGS.of(f), NonlinearCG.of(f), LBFGS.of(f),
                LBFGS.of(f).lineSearch(HagerZhangLineSearch.defaults()), GradientDescent.of(f).lineSearch(
                        ZoomLineSearch.defaults()), BFGS.of(f).withLineSearch(BacktrackingLineSearch.defaults()));
        for (IterativeSolver<Tensor, Object, ?, ?> s : solvers) {
            SolverResult<Tensor, ?> r = s.run(x0, null);
            assertEquals(SolverStatus.NON_FINITE, r.status(), s.getClass().getSimpleName());
            assertEquals(0.0, maxAbsDiff(x0.toArray(), r.params().toArray()), s.getClass().getSimpleName());
        }
    }

    @Test
    void optionsAreValidatedWithTheirNames() {
        GradientDescent<Tensor, Object> gd = GradientDescent.of(LineSearchChoiceTest::quadratic);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> gd.stopIfLinesearchFails(true));
        assertTrue(e.getMessage().contains("stopIfLinesearchFails"), e.getMessage());
        IllegalStateException a = assertThrows(IllegalStateException.class, () -> gd.lineSearch(ONE_TRY)
                .acceleration(true).run(Tensor.zeros(3), null));
        assertTrue(a.getMessage().contains("acceleration"), a.getMessage());
        IllegalStateException s = assertThrows(IllegalStateException.class, () -> gd.lineSearch(ONE_TRY)
                .stepsize(0.1).run(Tensor.zeros(3), null));
        assertTrue(s.getMessage().contains("stepsize"), s.getMessage());
        // The default stays ProximalGradient's accelerated backtracking, unchanged.
        assertEquals(GradientDescent.Search.defaults(), gd.search());
        assertTrue(gd.own().acceleration());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LBFGS.of(LineSearchChoiceTest::quadratic)
                .lineSearch(null)).getMessage().contains("lineSearch"));
        // maxls, wolfe and maxStepsize configure whichever search is chosen.
        LBFGS<Tensor, Object> hz = LBFGS.of(LineSearchChoiceTest::quadratic).lineSearch(HagerZhangLineSearch.defaults())
                .maxls(7).wolfe(0.2, 0.8).maxStepsize(3);
        assertEquals(HagerZhangLineSearch.defaults().withMaxEvaluations(7).withC1(0.2).withC2(0.8).withMaxStepsize(3),
                hz.lineSearch());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> hz.wolfe(0.6, 0.9)).getMessage()
                .contains("HagerZhangLineSearch.c1"));
        LBFGS<Tensor, Object> bt = LBFGS.of(LineSearchChoiceTest::quadratic).lineSearch(BacktrackingLineSearch.defaults())
                .maxls(12);
        assertEquals(12, bt.lineSearch().maxEvaluations());
        assertEquals(1e-4, bt.lineSearch().c1());
    }
}
