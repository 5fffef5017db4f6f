package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.solvers.SolverFixtures.Regression;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
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
 * BFGS and NonlinearCG (every β formula, every line search) on standard test functions with known
 * minimizers, a pytree quadratic in closed form, second derivatives of a ridge solution (implicit
 * and unrolled against the closed form), a captured hyperparameter, and stopIfLinesearchFails.
 */
class QuasiNewtonTest {

    /** A configured solver by name, for a given objective. */
    record Config(String name, int maxIterations,
                  Function<BiFunction<Tensor, Object, Tensor>, IterativeSolver<Tensor, Object, ?, ?>> make) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Config> configs() {
        List<Config> out = new ArrayList<>();
        out.add(new Config("BFGS/zoom", 100, f -> BFGS.of(f)));
        out.add(new Config("BFGS/backtracking", 200,
                f -> BFGS.of(f).withLineSearch(BacktrackingLineSearch.defaults())));
        out.add(new Config("BFGS/hager-zhang", 100, f -> BFGS.of(f).withLineSearch(HagerZhangLineSearch.defaults())));
        for (NonlinearCG.Method m : NonlinearCG.Method.values()) {
            out.add(new Config("NonlinearCG/" + m + "/zoom", 3000, f -> NonlinearCG.of(f).withMethod(m)));
        }
        out.add(new Config("NonlinearCG/POLAK_RIBIERE/hager-zhang", 3000,
                f -> NonlinearCG.of(f).withLineSearch(HagerZhangLineSearch.defaults())));
        out.add(new Config("NonlinearCG/HESTENES_STIEFEL/restart 2", 3000,
                f -> NonlinearCG.of(f).withMethod(NonlinearCG.Method.HESTENES_STIEFEL).withRestartEvery(2)));
        return out;
    }

    /** (1 − x₀)² + 100·(x₁ − x₀²)², minimized at (1, 1). */
    static Tensor rosenbrock(Tensor x, Object unused) {
        Tensor x0 = x.row(0);
        Tensor x1 = x.row(1);
        return x0.rsub(1).square().add(x1.sub(x0.square()).square().mul(100));
    }

    /** Beale's function, minimized at (3, 1/2) with value 0. */
    static Tensor beale(Tensor v, Object unused) {
        Tensor x = v.row(0);
        Tensor y = v.row(1);
        return x.mul(y).sub(x).add(1.5).square()
                .add(x.mul(y.square()).sub(x).add(2.25).square())
                .add(x.mul(y.pow(3)).sub(x).add(2.625).square());
    }

    /** Powell's singular function, minimized at 0 (its Hessian there is singular). */
    static Tensor powell(Tensor v, Object unused) {
        Tensor a = v.row(0);
        Tensor b = v.row(1);
        Tensor c = v.row(2);
        Tensor d = v.row(3);
        return a.add(b.mul(10)).square().add(c.sub(d).square().mul(5))
                .add(b.sub(c.mul(2)).pow(4)).add(a.sub(d).pow(4).mul(10));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void rosenbrockFromTheTextbookStart(Config c) {
        SolverResult<Tensor, ?> r = c.make().apply(QuasiNewtonTest::rosenbrock).tol(1e-9).maxiter(c.maxIterations())
                .run(Tensor.of(-1.2, 1.0), null);
        assertTrue(r.converged(), c + ": " + r.status() + ", error " + r.error());
        assertEquals(1.0, r.params().get(0), 1e-7, c.name());
        assertEquals(1.0, r.params().get(1), 1e-7, c.name());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void bealeFromOneOne(Config c) {
        SolverResult<Tensor, ?> r = c.make().apply(QuasiNewtonTest::beale).tol(1e-9).maxiter(c.maxIterations())
                .run(Tensor.of(1.0, 1.0), null);
        assertTrue(r.converged(), c + ": " + r.status() + ", error " + r.error());
        assertEquals(3.0, r.params().get(0), 1e-7, c.name());
        assertEquals(0.5, r.params().get(1), 1e-7, c.name());
    }

    /**
     * A singular minimizer: the gradient vanishes like ‖x‖³, so ‖∇f‖ ≤ tol only bounds ‖x‖ by about
     * tol^(1/3). Conjugate gradients converge linearly there (thousands of iterations for 1e-9), so
     * they are asked for 1e-6. Dai–Yuan and the every-other-step restart are left out: they stall
     * near ‖∇f‖ = 2e-5 (MAX_ITERATIONS after 3000 iterations, which the status reports honestly).
     */
    static List<Config> powellConfigs() {
        return configs().stream().filter(c -> !c.name().contains("DAI_YUAN") && !c.name().contains("restart")).toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("powellConfigs")
    void powellSingularFromTheStandardStart(Config c) {
        boolean cg = c.name().startsWith("NonlinearCG");
        double tol = cg ? 1e-6 : 1e-9;
        SolverResult<Tensor, ?> r = c.make().apply(QuasiNewtonTest::powell).tol(tol).maxiter(c.maxIterations())
                .run(Tensor.of(3, -1, 0, 1), null);
        assertTrue(r.converged(), c + ": " + r.status() + ", error " + r.error());
        double f = powell(r.params(), null).item();
        assertTrue(f < (cg ? 1e-5 : 1e-10), c + ": f = " + f);
        assertTrue(maxAbs(r.params().toArray()) < (cg ? 0.1 : 2e-2), c + ": x = " + r.params());
    }

    /** Parameters as a record: a tree of two tensors. */
    record Params(Tensor w, Tensor b) {
    }

    /** ½wᵀQw − cᵀw + (b − 2)², Q = [[3, 1], [1, 2]]: w* = Q⁻¹c, b* = 2. */
    @Test
    void pytreeQuadraticInClosedForm() {
        Tensor q = Tensor.of(new double[][] {{3, 1}, {1, 2}});
        Tensor cv = Tensor.of(1, -1);
        BiFunction<Params, Object, Tensor> f = (p, a) -> p.w().matmul(q.matmul(p.w())).mul(0.5).sub(cv.vdot(p.w()))
                .add(p.b().sub(2).square());
        Params p0 = new Params(Tensor.zeros(2), Tensor.scalar(0));
        for (IterativeSolver<Params, Object, ?, ?> s : List.<IterativeSolver<Params, Object, ?, ?>>of(BFGS.of(f),
                NonlinearCG.of(f))) {
            SolverResult<Params, ?> r = s.tol(1e-12).run(p0, null);
            assertTrue(r.converged(), r.status().toString());
            // Q⁻¹c = (1/5)·[[2, −1], [−1, 3]]·(1, −1) = (3/5, −4/5).
            assertEquals(0.6, r.params().w().get(0), 1e-12);
            assertEquals(-0.8, r.params().w().get(1), 1e-12);
            assertEquals(2.0, r.params().b().item(), 1e-12);
        }
    }

    private static final Regression DATA = SolverFixtures.regression(5, 30, 4);

    private static double[] ridgeSecondDerivative(double lam) {
        int p = DATA.p();
        double[] m = SolverFixtures.gram(DATA);
        for (int i = 0; i < p; i++) {
            m[i * p + i] += lam;
        }
        double[] d1 = SolverFixtures.ridgeDerivative(DATA, lam);
        double[] d2 = SolverFixtures.solve(m, d1, p);
        for (int i = 0; i < p; i++) {
            d2[i] *= -2;
        }
        return d2;
    }

    static List<String> solverNames() {
        return List.of("BFGS", "NonlinearCG");
    }

    private static IterativeSolver<Tensor, Regression, ?, ?> ridgeSolver(String name) {
        return name.equals("BFGS") ? BFGS.of(SolverFixtures::ridge) : NonlinearCG.of(SolverFixtures::ridge);
    }

    /** x'' = −2(XᵀX/n + λI)⁻¹x' for the ridge solution, by jacfwd∘jacfwd, grad∘grad, implicit and unrolled. */
    @ParameterizedTest
    @MethodSource("solverNames")
    void secondDerivativeOfTheRidgeSolution(String name) {
        double lam = 0.4;
        double[] expected = ridgeSecondDerivative(lam);
        double scale = Math.max(1, maxAbs(expected));
        Tensor w0 = Tensor.zeros(DATA.p());
        for (boolean implicit : new boolean[] {true, false}) {
            IterativeSolver<Tensor, Regression, ?, ?> s = ridgeSolver(name).implicitDiff(implicit).tol(1e-12)
                    .maxiter(implicit ? 1000 : 300);
            Function<Tensor, Tensor> sol = t -> s.run(w0, DATA.withLam(t)).params();
            double[] fwdFwd = Autodiff.jacfwd(Autodiff.jacfwd(sol)).apply(Tensor.scalar(lam)).toArray();
            assertTrue(maxAbsDiff(fwdFwd, expected) <= 1e-7 * scale, name + " implicit=" + implicit
                    + ": jacfwd∘jacfwd off by " + maxAbsDiff(fwdFwd, expected));
            double sumExpected = 0;
            for (double v : expected) {
                sumExpected += v;
            }
            double revRev = Autodiff.grad((Tensor t) -> Autodiff.grad((Tensor u) -> sol.apply(u).sum()).apply(t))
                    .apply(Tensor.scalar(lam)).item();
            assertEquals(sumExpected, revRev, 1e-7 * scale, name + " implicit=" + implicit + ": grad∘grad");
        }
    }

    /** λ captured by the objective (not an argument) is still differentiated: dw/dλ as the closed form. */
    @ParameterizedTest
    @MethodSource("solverNames")
    void capturedHyperparameterIsDifferentiated(String name) {
        double lam = 0.4;
        double[] expected = SolverFixtures.ridgeDerivative(DATA, lam);
        Regression data = DATA.withLam(Tensor.scalar(0.0));
        Function<Tensor, Tensor> sol = t -> {
            BiFunction<Tensor, Regression, Tensor> f = (w, a) -> SolverFixtures.leastSquares(w, a)
                    .add(t.mul(0.5).mul(w.squaredNorm()));
            IterativeSolver<Tensor, Regression, ?, ?> s = name.equals("BFGS") ? BFGS.of(f) : NonlinearCG.of(f);
            return s.tol(1e-12).maxiter(1000).run(Tensor.zeros(DATA.p()), data).params();
        };
        double[] rev = Autodiff.jacrev(sol).apply(Tensor.scalar(lam)).toArray();
        assertTrue(maxAbsDiff(rev, expected) <= 1e-8 * Math.max(1, maxAbs(expected)),
                () -> name + ": off by " + maxAbsDiff(rev, expected));
    }

    /** A line search allowed one evaluation from step 1 on 1e4·x² fails: the run stops there, or goes on resetting. */
    @Test
    void stopIfLinesearchFails() {
        BiFunction<Tensor, Object, Tensor> f = (x, a) -> x.square().sum().mul(1e4);
        LineSearch oneTry = BacktrackingLineSearch.defaults().withMaxEvaluations(1);
        Tensor x0 = Tensor.of(1.0, -2.0);
        SolverResult<Tensor, BFGS.State<Tensor>> stopped = BFGS.of(f).withLineSearch(oneTry)
                .withStopIfLinesearchFails(true).run(x0, null);
        assertEquals(SolverStatus.LINE_SEARCH_FAILED, stopped.status());
        assertEquals(1, stopped.iterations());
        assertEquals(1, stopped.state().failedLineSearches());
        assertEquals(0.0, maxAbsDiff(x0.toArray(), stopped.params().toArray()));
        SolverResult<Tensor, BFGS.State<Tensor>> goesOn = BFGS.of(f).withLineSearch(oneTry).maxiter(5).run(x0, null);
        assertEquals(SolverStatus.MAX_ITERATIONS, goesOn.status());
        assertEquals(5, goesOn.state().failedLineSearches());
        SolverResult<Tensor, NonlinearCG.State<Tensor>> cg = NonlinearCG.of(f).withLineSearch(oneTry)
                .withStopIfLinesearchFails(true).run(x0, null);
        assertEquals(SolverStatus.LINE_SEARCH_FAILED, cg.status());
        assertEquals(1, cg.state().failedLineSearches());
        // The derivative of a run stopped this way is refused (not a root of ∇f).
        assertThrows(dev.argdiff.implicit.ImplicitDiffException.class, () -> Autodiff.jacfwd((Tensor t) ->
                BFGS.<Tensor, Tensor>of((x, a) -> x.square().sum().mul(a)).withLineSearch(oneTry)
                        .withStopIfLinesearchFails(true).run(x0, t).params()).apply(Tensor.scalar(1e4)));
    }

    @Test
    void optionsAreValidatedWithTheirNames() {
        BFGS<Tensor, Object> b = BFGS.of(QuasiNewtonTest::rosenbrock);
        NonlinearCG<Tensor, Object> n = NonlinearCG.of(QuasiNewtonTest::rosenbrock);
        assertRefused("lineSearch", () -> b.withLineSearch(null));
        assertRefused("minStepsize", () -> b.withMinStepsize(-1));
        assertRefused("increaseFactor", () -> b.withIncreaseFactor(0.5));
        assertRefused("fun", () -> BFGS.of(null));
        assertRefused("method", () -> n.withMethod(null));
        assertRefused("restartEvery", () -> n.withRestartEvery(-1));
        assertRefused("increaseFactor", () -> n.withIncreaseFactor(Double.NaN));
        assertRefused("fun", () -> NonlinearCG.of(null));
    }

    private static void assertRefused(String option, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(option), "message should name " + option + ": " + e.getMessage());
    }
}
