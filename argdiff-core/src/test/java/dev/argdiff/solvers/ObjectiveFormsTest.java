package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.solvers.SolverFixtures.Regression;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * JAXopt's has_aux and value_and_grad (the {@link Objective} forms) on every gradient solver that
 * has them, against the plain objective and closed forms.
 */
class ObjectiveFormsTest {

    private static final Regression DATA = SolverFixtures.regression(3, 40, 5).withLam(Tensor.scalar(0.3));
    private static final Tensor W0 = Tensor.zeros(5);

    /** The ridge objective with aux = the residual X·w − y. */
    private static final Objective<Tensor, Regression> WITH_AUX = Objective.<Tensor, Regression>withAux(
            (w, a) -> new Autodiff.Aux<>(SolverFixtures.ridge(w, a), residual(w, a)));

    /** The ridge objective with its analytic gradient Xᵀ(Xw − y)/n + λw. */
    private static final Objective<Tensor, Regression> ANALYTIC = Objective.<Tensor, Regression>valueAndGrad(
            (w, a) -> new Autodiff.ValueAndGrad<>(SolverFixtures.ridge(w, a),
                    a.x().transpose().matmul(residual(w, a)).div(a.n()).add(a.lam().mul(w))));

    private static Tensor residual(Tensor w, Regression a) {
        return a.x().matmul(w).sub(a.y());
    }

    private static void assertClose(Tensor expected, Tensor actual, double tol, String what) {
        assertArrayEquals(expected.toArray(), actual.toArray(), tol, what);
    }

    // ------------------------------------------------------------------ has_aux

    @Test
    void auxIsTheFunctionsAuxAtTheSolutionAndTheSolutionIsUnchanged() {
        check("GradientDescent", GradientDescent.of(SolverFixtures::ridge).tol(1e-10),
                GradientDescent.ofObjective(WITH_AUX).tol(1e-10), r -> r.state().aux());
        check("ProximalGradient", ProximalGradient.of(SolverFixtures::ridge, (w, a, s) -> w).tol(1e-10),
                ProximalGradient.ofObjective(WITH_AUX, (w, a, s) -> w).tol(1e-10), r -> r.state().aux());
        check("ProjectedGradient", ProjectedGradient.of(SolverFixtures::ridge, (w, a) -> w.relu()).tol(1e-10),
                ProjectedGradient.ofObjective(WITH_AUX, (w, a) -> w.relu()).tol(1e-10), r -> r.state().aux());
        check("LBFGS", LBFGS.of(SolverFixtures::ridge).tol(1e-10), LBFGS.ofObjective(WITH_AUX).tol(1e-10),
                r -> r.state().aux());
    }

    private static <S extends SolverState> void check(String name, IterativeSolver<Tensor, Regression, S, ?> plain,
                                                      IterativeSolver<Tensor, Regression, S, ?> withAux,
                                                      Function<SolverResult<Tensor, S>, Object> aux) {
        SolverResult<Tensor, S> p = plain.run(W0, DATA);
        SolverResult<Tensor, S> r = withAux.run(W0, DATA);
        assertTrue(r.converged(), name + " " + r.status());
        assertEquals(p.iterations(), r.iterations(), name);
        assertClose(p.params(), r.params(), 1e-12, name + ": the solution with aux equals the one without");
        assertClose(residual(r.params(), DATA), (Tensor) aux.apply(r), 1e-12, name + ": aux at the solution");
    }

    @Test
    void stochasticSolversCarryTheAuxOfThePointTheLastUpdateStartedFrom() {
        Regression data = SolverFixtures.regression(5, 30, 4);
        Objective<Tensor, Regression> ls = Objective.<Tensor, Regression>withAux(
                (w, a) -> new Autodiff.Aux<>(SolverFixtures.leastSquares(w, a), residual(w, a)));
        for (int n : new int[] {1, 4, 9}) {
            PolyakSGD<Tensor, Regression> polyak = PolyakSGD.ofObjective(ls).maxiter(n).tol(0).implicitDiff(false);
            Tensor before = PolyakSGD.of((Tensor w, Regression a) -> SolverFixtures.leastSquares(w, a))
                    .maxiter(Math.max(n - 1, 1)).tol(0).implicitDiff(false).run(Tensor.zeros(4), data).params();
            SolverResult<Tensor, PolyakSGD.State<Tensor>> r = polyak.run(Tensor.zeros(4), data);
            Tensor start = n == 1 ? Tensor.zeros(4) : before;
            assertClose(residual(start, data), (Tensor) r.state().aux(), 1e-12, "PolyakSGD aux after " + n);
            assertClose(PolyakSGD.of((Tensor w, Regression a) -> SolverFixtures.leastSquares(w, a)).maxiter(n).tol(0)
                    .implicitDiff(false).run(Tensor.zeros(4), data).params(), r.params(), 1e-12, "PolyakSGD");

            ArmijoSGD<Tensor, Regression> armijo = ArmijoSGD.ofObjective(ls).maxiter(n).tol(0).implicitDiff(false);
            Tensor beforeA = ArmijoSGD.of((Tensor w, Regression a) -> SolverFixtures.leastSquares(w, a))
                    .maxiter(Math.max(n - 1, 1)).tol(0).implicitDiff(false).run(Tensor.zeros(4), data).params();
            SolverResult<Tensor, ArmijoSGD.State<Tensor>> ra = armijo.run(Tensor.zeros(4), data);
            assertClose(residual(n == 1 ? Tensor.zeros(4) : beforeA, data), (Tensor) ra.state().aux(), 1e-12,
                    "ArmijoSGD aux after " + n);
        }
    }

    @Test
    void solutionWithAuxIsStillDifferentiatedImplicitly() {
        double lam = DATA.lam().item();
        double exact = 0;
        for (double v : SolverFixtures.ridgeDerivative(DATA, lam)) {
            exact += v;
        }
        GradientDescent<Tensor, Regression> gd = GradientDescent.ofObjective(WITH_AUX).tol(1e-11);
        double g = Autodiff.grad((Tensor l) -> gd.run(W0, DATA.withLam(l)).params().sum()).apply(DATA.lam()).item();
        assertEquals(exact, g, 1e-8);
    }

    // ------------------------------------------------------------------ value_and_grad

    @Test
    void analyticGradientGivesTheSameSolutionAndImplicitDerivative() {
        double lam = DATA.lam().item();
        double[] exact = SolverFixtures.ridgeSolution(DATA, lam);
        double[] dw = SolverFixtures.ridgeDerivative(DATA, lam);
        double exactDerivative = 0;
        for (double v : dw) {
            exactDerivative += v;
        }
        compare("GradientDescent", GradientDescent.of(SolverFixtures::ridge).tol(1e-11),
                GradientDescent.ofObjective(ANALYTIC).tol(1e-11), exact, exactDerivative);
        compare("ProximalGradient", ProximalGradient.of(SolverFixtures::ridge, (w, a, s) -> w).tol(1e-11),
                ProximalGradient.ofObjective(ANALYTIC, (w, a, s) -> w).tol(1e-11), exact, exactDerivative);
        compare("LBFGS", LBFGS.of(SolverFixtures::ridge).tol(1e-11), LBFGS.ofObjective(ANALYTIC).tol(1e-11), exact,
                exactDerivative);
        compare("PolyakSGD", PolyakSGD.of(SolverFixtures::ridge).maxStepsize(0.5).tol(1e-11),
                PolyakSGD.ofObjective(ANALYTIC).maxStepsize(0.5).tol(1e-11), exact, exactDerivative);
    }

    private static void compare(String name, IterativeSolver<Tensor, Regression, ?, ?> autodiff,
                                IterativeSolver<Tensor, Regression, ?, ?> analytic, double[] exact,
                                double exactDerivative) {
        Tensor wa = autodiff.run(W0, DATA).params();
        Tensor wu = analytic.run(W0, DATA).params();
        assertArrayEquals(exact, wu.toArray(), 1e-9, name + ": analytic-gradient solution vs closed form");
        assertClose(wa, wu, 1e-9, name + ": analytic vs autodiff gradient");
        Function<Tensor, Tensor> da = lam -> autodiff.run(W0, DATA.withLam(lam)).params().sum();
        Function<Tensor, Tensor> du = lam -> analytic.run(W0, DATA.withLam(lam)).params().sum();
        double ga = Autodiff.grad(da).apply(DATA.lam()).item();
        double gu = Autodiff.grad(du).apply(DATA.lam()).item();
        assertEquals(exactDerivative, gu, 1e-8, name + ": implicit derivative with the analytic gradient");
        assertEquals(ga, gu, 1e-8, name + ": implicit derivative, analytic vs autodiff gradient");
    }

    @Test
    void valueAndGradWithAuxCarriesTheAux() {
        Objective<Tensor, Regression> both = Objective.<Tensor, Regression>valueAndGradWithAux(
                (w, a) -> new Autodiff.ValueAuxAndGrad<>(SolverFixtures.ridge(w, a), residual(w, a),
                        a.x().transpose().matmul(residual(w, a)).div(a.n()).add(a.lam().mul(w))));
        SolverResult<Tensor, LBFGS.State<Tensor>> r = LBFGS.ofObjective(both).tol(1e-11).run(W0, DATA);
        assertArrayEquals(SolverFixtures.ridgeSolution(DATA, DATA.lam().item()), r.params().toArray(), 1e-9);
        assertClose(residual(r.params(), DATA), (Tensor) r.state().aux(), 1e-12, "aux");
    }

    // ------------------------------------------------------------------ step-size schedules

    /**
     * f = ¼‖w − c‖² (gradient (w − c)/2) with s(k) = 1/(k+1) from 0: 1 − w/c is multiplied by
     * 1 − s(k)/2 each step, giving w₁ = 0.5c, w₂ = 0.625c, w₃ = 0.6875c.
     */
    @Test
    void scheduleReproducesHandComputedIterates() {
        Tensor c = Tensor.of(2.0, -4.0);
        java.util.function.BiFunction<Tensor, Tensor, Tensor> f = (w, a) -> w.sub(a).squaredNorm().mul(0.25);
        double[] expected = {0.5, 0.625, 0.6875};
        for (int n = 1; n <= 3; n++) {
            Tensor want = c.mul(expected[n - 1]);
            Tensor gd = GradientDescent.of(f).acceleration(false).stepsize(k -> 1.0 / (k + 1)).maxiter(n).tol(0)
                    .implicitDiff(false).run(Tensor.zeros(2), c).params();
            assertClose(want, gd, 1e-15, "GradientDescent w" + n);
            Tensor pg = ProximalGradient.of(f, (w, a, s) -> w).acceleration(false).stepsize(k -> 1.0 / (k + 1))
                    .maxiter(n).tol(0).implicitDiff(false).run(Tensor.zeros(2), c).params();
            assertClose(want, pg, 1e-15, "ProximalGradient w" + n);
            // Projected onto the box between 0 and 0.65c: the third iterate is clipped.
            Tensor hi = c.mul(0.65);
            Tensor proj = ProjectedGradient.of(f, (w, a) -> w.maximum(hi.minimum(0.0)).minimum(hi.maximum(0.0)))
                    .acceleration(false).stepsize(k -> 1.0 / (k + 1)).maxiter(n).tol(0).implicitDiff(false)
                    .run(Tensor.zeros(2), c).params();
            assertClose(c.mul(Math.min(expected[n - 1], 0.65)), proj, 1e-15, "ProjectedGradient w" + n);
            // L-BFGS with no memory steps along −∇f: the same iterates.
            Tensor lb = LBFGS.of(f).historySize(0).stepsize(k -> 1.0 / (k + 1)).maxiter(n).tol(0)
                    .implicitDiff(false).run(Tensor.zeros(2), c).params();
            assertClose(want, lb, 1e-15, "LBFGS w" + n);
        }
    }

    @Test
    void scheduledUnrollingAgreesWithAndWithoutCheckpoints() {
        // The schedule reads the iteration number from the state: a recomputed block must see the same k.
        GradientDescent<Tensor, Regression> gd = GradientDescent.of(SolverFixtures::ridge)
                .stepsize(k -> 0.5 / Math.sqrt(k + 1)).maxiter(25).tol(0).implicitDiff(false);
        Function<Tensor, Tensor> plain = l -> gd.run(W0, DATA.withLam(l)).params().sum();
        Function<Tensor, Tensor> checkpointed = l -> gd.checkpointEvery(4).run(W0, DATA.withLam(l)).params().sum();
        double a = Autodiff.grad(plain).apply(DATA.lam()).item();
        double b = Autodiff.grad(checkpointed).apply(DATA.lam()).item();
        double h = 1e-6;
        double fd = (plain.apply(DATA.lam().add(h)).item() - plain.apply(DATA.lam().sub(h)).item()) / (2 * h);
        assertEquals(a, b, 1e-12);
        assertEquals(fd, a, 1e-6);
    }

    @Test
    void badScheduleValuesAreRefusedNamingTheIteration() {
        java.util.function.BiFunction<Tensor, Tensor, Tensor> f = (w, a) -> w.sub(a).squaredNorm();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GradientDescent.of(f).stepsize(k -> k < 2 ? 0.1 : Double.NaN).tol(0).maxiter(5)
                        .run(Tensor.zeros(2), Tensor.of(1.0, 2.0)));
        assertTrue(e.getMessage().contains("schedule") && e.getMessage().contains("iteration 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> LBFGS.of(f).stepsize(k -> -1.0).run(Tensor.zeros(2), Tensor.of(1.0, 2.0)));
        assertTrue(e.getMessage().contains("schedule") && e.getMessage().contains("iteration 0"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> GradientDescent.of(f).stepsize((java.util.function.IntToDoubleFunction) null));
    }

    // ------------------------------------------------------------------ options records

    @Test
    void sharedStepOptionsAreValidatedAndCopied() {
        ProjectedGradient<Tensor, Regression> pg = ProjectedGradient.of(SolverFixtures::ridge, (w, a) -> w.relu());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pg.maxls(-1));
        assertTrue(e.getMessage().contains("maxls") && e.getMessage().contains("-1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> pg.stepFactor(1.0));
        assertTrue(e.getMessage().contains("stepFactor") && e.getMessage().contains("1.0"), e.getMessage());
        assertEquals(ProximalGradient.Options.defaults(), pg.own());
        assertEquals(3, pg.maxls(3).own().maxls());
        assertEquals(15, pg.own().maxls());
        // One record for the three solvers: options move between them unchanged.
        ProximalGradient.Options o = ProximalGradient.Options.defaults().withMaxls(4).withStepFactor(0.3);
        assertEquals(o, GradientDescent.of(SolverFixtures::ridge).with(o).own());
        assertEquals(o, pg.with(o).own());
        LBFGS.Options lo = LBFGS.of(SolverFixtures::ridge).historySize(3).own();
        assertEquals(LBFGS.Options.defaults().withLineSearch(lo.lineSearch()).withHistorySize(3), lo);
        assertThrows(IllegalArgumentException.class, () -> ArmijoSGD.of(SolverFixtures::ridge).with(null));
    }

    @Test
    void objectiveFormsRefuseNullNamingTheFunction() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Objective.withAux(null));
        assertTrue(e.getMessage().contains("fun"), e.getMessage());
        Objective<Tensor, Regression> bad = Objective.<Tensor, Regression>withAux((w, a) -> null);
        e = assertThrows(IllegalArgumentException.class, () -> GradientDescent.ofObjective(bad).run(W0, DATA));
        assertTrue(e.getMessage().contains("fun returned null"), e.getMessage());
    }
}
