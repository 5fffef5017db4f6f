package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.Pytree;
import dev.argdiff.solvers.SolverFixtures.Contraction;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** FixedPointIteration and AndersonAcceleration beyond the contract suite. */
class FixedPointSolversTest {

    @Test
    void dottieNumber() {
        // x = cos(x) has the unique real solution 0.7390851332151607 (the Dottie number).
        SolverResult<Tensor, FixedPointIteration.State<Tensor>> fpi = FixedPointIteration
                .<Tensor, Object>of((x, a) -> x.cos()).tol(1e-13).run(Tensor.zeros(2), List.of());
        SolverResult<Tensor, AndersonAcceleration.State<Tensor>> aa = AndersonAcceleration
                .<Tensor, Object>of((x, a) -> x.cos()).tol(1e-13).run(Tensor.zeros(2), List.of());
        assertEquals(0.7390851332151607, fpi.params().get(0), 1e-12);
        assertEquals(0.7390851332151607, aa.params().get(1), 1e-12);
        assertTrue(aa.iterations() < fpi.iterations() / 3, aa.iterations() + " vs " + fpi.iterations());
    }

    @Test
    void errorIsTheResidualOfTheReturnedIterate() {
        Contraction c = Contraction.of(11, 12);
        BiFunction<Tensor, Tensor, Tensor> t = c.map();
        Tensor theta = Tensor.scalar(0.3);
        for (IterativeSolver<Tensor, Tensor, ?, ?> solver : List.<IterativeSolver<Tensor, Tensor, ?, ?>>of(
                FixedPointIteration.of(t).maxiter(7), AndersonAcceleration.of(t).maxiter(9))) {
            SolverResult<Tensor, ?> r = solver.run(Tensor.zeros(12), theta);
            double residual = t.apply(r.params(), theta).sub(r.params()).norm().item();
            assertEquals(residual, r.error(), 1e-15 + 1e-12 * residual, solver.getClass().getSimpleName());
        }
    }

    @Test
    void andersonNeedsFarFewerIterationsThanPlainIteration() {
        Contraction c = Contraction.of(11, 12);
        Tensor theta = Tensor.scalar(0.7);
        int fpi = FixedPointIteration.of(c.map()).tol(1e-12).maxiter(10_000).run(Tensor.zeros(12), theta).iterations();
        for (int m : new int[] {3, 5, 10}) {
            SolverResult<Tensor, AndersonAcceleration.State<Tensor>> r = AndersonAcceleration.of(c.map())
                    .historySize(m).tol(1e-12).maxiter(10_000).run(Tensor.zeros(12), theta);
            assertTrue(r.converged());
            assertTrue(r.iterations() * 2 < fpi, "m = " + m + ": " + r.iterations() + " vs " + fpi);
            assertTrue(r.state().paramsHistory().size() <= m && r.state().residualsHistory().size() <= m);
        }
    }

    @Test
    void andersonOptionsStillConverge() {
        Contraction c = Contraction.of(11, 12);
        Tensor theta = Tensor.scalar(-0.4);
        double[] expected = c.c().mul(-0.4).toArray();
        for (AndersonAcceleration<Tensor, Tensor> s : List.of(
                AndersonAcceleration.of(c.map()).mixingFrequency(3),
                AndersonAcceleration.of(c.map()).beta(0.5),
                AndersonAcceleration.of(c.map()).historySize(2),
                AndersonAcceleration.of(c.map()).ridge(1e-3))) {
            SolverResult<Tensor, AndersonAcceleration.State<Tensor>> r = s.tol(1e-12).maxiter(5000)
                    .run(Tensor.zeros(12), theta);
            assertTrue(r.converged(), "m=" + s.historySize() + " freq=" + s.mixingFrequency() + " beta=" + s.beta()
                    + " ridge=" + s.ridge() + ": error " + r.error());
            assertTrue(SolverFixtures.maxAbsDiff(r.params().toArray(), expected) < 1e-10);
        }
    }

    /** Parameters as a pytree: a record of a vector and a matrix. */
    record Pair(Tensor v, Tensor m) {
    }

    @Test
    void pytreeParametersAndDerivatives() {
        // T(v, M; θ) = (θ·a + ½ sin(v − θ·a), θ·B + ½ tanh(M − θ·B)): fixed point (θa, θB), derivative (a, B).
        Tensor a = Tensor.of(1, -2, 3);
        Tensor b = Tensor.of(new double[][] {{0.5, 1}, {-1, 2}});
        BiFunction<Pair, Tensor, Pair> t = (p, th) -> new Pair(
                a.mul(th).add(p.v().sub(a.mul(th)).sin().mul(0.5)),
                b.mul(th).add(p.m().sub(b.mul(th)).tanh().mul(0.5)));
        Pair init = new Pair(Tensor.zeros(3), Tensor.zeros(2, 2));
        for (boolean implicit : new boolean[] {true, false}) {
            Function<Tensor, Pair> fpi = th -> FixedPointIteration.of(t).tol(1e-12).implicitDiff(implicit)
                    .run(init, th).params();
            Function<Tensor, Pair> aa = th -> AndersonAcceleration.of(t).tol(1e-12).implicitDiff(implicit)
                    .run(init, th).params();
            for (Function<Tensor, Pair> sol : List.of(fpi, aa)) {
                Pair x = sol.apply(Tensor.scalar(2.0));
                assertTrue(SolverFixtures.maxAbsDiff(Pytree.toArray(x), Pytree.toArray(new Pair(a.mul(2), b.mul(2))))
                        < 1e-11);
                Pair tangent = Autodiff.jvp(sol, Tensor.scalar(2.0), Tensor.scalar(1.0)).tangent();
                assertTrue(SolverFixtures.maxAbsDiff(Pytree.toArray(tangent), Pytree.toArray(new Pair(a, b))) < 1e-9,
                        "implicit=" + implicit + ": " + tangent);
                Tensor g = Autodiff.grad((Tensor th) -> {
                    Pair p = sol.apply(th);
                    return p.v().sum().add(p.m().sum());
                }).apply(Tensor.scalar(2.0));
                assertEquals(a.sum().item() + b.sum().item(), g.item(), 1e-9, "implicit=" + implicit);
            }
        }
    }
}
