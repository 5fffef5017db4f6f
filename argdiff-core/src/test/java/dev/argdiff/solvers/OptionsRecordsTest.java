package dev.argdiff.solvers;

import dev.argdiff.solvers.SolverFixtures.Regression;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every solver's own options record: a new solver starts at {@code defaults()}, the record refuses
 * a bad value naming the option and the value, and {@code with(options)} is what the convenience
 * methods do.
 */
class OptionsRecordsTest {

    private static void assertRefused(String option, String value, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(option) && e.getMessage().contains(value),
                "message should name " + option + " and " + value + ": " + e.getMessage());
    }

    @Test
    void newSolversStartAtTheDefaults() {
        assertEquals(ProximalGradient.Options.defaults(),
                ProximalGradient.of(SolverFixtures::leastSquares, SolverFixtures.SOFT_THRESHOLD).own());
        assertEquals(ProximalGradient.Options.defaults(), GradientDescent.of(SolverFixtures::ridge).own());
        assertEquals(ArmijoSGD.Options.defaults(), ArmijoSGD.of(SolverFixtures::ridge).own());
        assertEquals(PolyakSGD.Options.defaults(), PolyakSGD.of(SolverFixtures::ridge).own());
        assertEquals(AndersonAcceleration.Options.defaults(),
                AndersonAcceleration.of((Tensor x, Regression a) -> x.mul(0.5)).own());
        assertEquals(BlockCoordinateDescent.Options.defaults(),
                BlockCoordinateDescent.of(SolverFixtures::leastSquares, SolverFixtures.SOFT_THRESHOLD).own());
        assertEquals(LBFGS.Options.defaults(), LBFGS.of(SolverFixtures::ridge).own());
        assertEquals(LBFGS.Options.defaults().withHistorySize(3), LBFGS.of(SolverFixtures::ridge).historySize(3).own());
        assertEquals(ZoomLineSearch.defaults().maxEvaluations(7),
                LBFGS.of(SolverFixtures::ridge).maxls(7).own().lineSearch());
        assertEquals(15, ProximalGradient.Options.defaults().maxls());
        assertEquals(0.5, ProximalGradient.Options.defaults().stepFactor());
        assertEquals(10, LBFGS.Options.defaults().historySize());
        assertEquals(0.9, ArmijoSGD.Options.defaults().aggressiveness());
        assertEquals(1.0, PolyakSGD.Options.defaults().maxStepsize());
        assertEquals(5, AndersonAcceleration.Options.defaults().historySize());
    }

    @Test
    void recordsRefuseBadValuesNamingOptionAndValue() {
        ProximalGradient.Options pg = ProximalGradient.Options.defaults();
        assertRefused("stepsize", "NaN", () -> pg.withStepsize(Double.NaN));
        assertRefused("maxls", "-2", () -> pg.withMaxls(-2));
        assertRefused("stepFactor", "0.0", () -> pg.withStepFactor(0.0));
        assertRefused("historySize", "-1", () -> LBFGS.Options.defaults().withHistorySize(-1));
        assertRefused("increaseFactor", "0.5", () -> LBFGS.Options.defaults().withIncreaseFactor(0.5));
        assertRefused("lineSearch", "null", () -> LBFGS.Options.defaults().withLineSearch(null));
        assertRefused("aggressiveness", "1.0", () -> ArmijoSGD.Options.defaults().withAggressiveness(1.0));
        assertRefused("reset", "null", () -> ArmijoSGD.Options.defaults().withReset(null));
        assertRefused("delta", "-1.0", () -> PolyakSGD.Options.defaults().withDelta(-1.0));
        assertRefused("momentum", "1.0", () -> PolyakSGD.Options.defaults().withMomentum(1.0));
        assertRefused("beta", "Infinity", () -> AndersonAcceleration.Options.defaults()
                .withBeta(Double.POSITIVE_INFINITY));
        assertRefused("maxls", "-1", () -> BlockCoordinateDescent.Options.defaults().withMaxls(-1));
        assertRefused("c3", "-1.0", () -> new ZoomLineSearch(1e-4, 0.9, -1.0, 2.0, 1.0, 30));
        assertRefused("increaseFactor", "1.0", () -> new ZoomLineSearch(1e-4, 0.9, 1e-6, 1.0, 1.0, 30));
    }

    @Test
    void withOptionsIsWhatTheConvenienceMethodsDo() {
        ArmijoSGD<Tensor, Regression> a = ArmijoSGD.of(SolverFixtures::ridge);
        assertEquals(a.momentum(0.5).maxls(3).own(),
                a.with(ArmijoSGD.Options.defaults().withMomentum(0.5).withMaxls(3)).own());
        PolyakSGD<Tensor, Regression> p = PolyakSGD.of(SolverFixtures::ridge);
        assertEquals(p.delta(0.1).own(), p.with(PolyakSGD.Options.defaults().withDelta(0.1)).own());
        AndersonAcceleration<Tensor, Regression> aa = AndersonAcceleration.of((Tensor x, Regression r) -> x.mul(0.5));
        assertEquals(3, aa.with(aa.own().withHistorySize(3)).historySize());
        assertEquals(5, aa.historySize());
        // Copies, and the common options survive a change of the own ones and back.
        GradientDescent<Tensor, Regression> gd = GradientDescent.of(SolverFixtures::ridge).maxiter(7);
        GradientDescent<Tensor, Regression> gd2 = gd.stepsize(0.1);
        assertNotSame(gd, gd2);
        assertEquals(7, gd2.options().maxiter());
        assertEquals(0.1, gd2.own().stepsize());
        assertEquals(0.0, gd.own().stepsize());
        assertEquals(ProximalGradient.Options.defaults().withMaxls(2), gd2.maxls(2).stepsize(0.0).own());
        // ProjectedGradient has ProximalGradient's options, each a copy of the record.
        ProjectedGradient<Tensor, Regression> pg = ProjectedGradient.of(SolverFixtures::ridge, (x, r) -> x.relu());
        assertEquals(ProximalGradient.Options.defaults().withMaxls(4).withStepFactor(0.7).withAcceleration(false)
                        .withRestart(true), pg.maxls(4).stepFactor(0.7).acceleration(false).restart(true).own());
        assertEquals(ProximalGradient.Options.defaults(), pg.own());
        for (Executable nullOptions : new Executable[] {
                () -> LBFGS.of(SolverFixtures::ridge).with(null),
                () -> PolyakSGD.of(SolverFixtures::ridge).with(null),
                () -> aa.with(null),
                () -> GradientDescent.of(SolverFixtures::ridge).with(null),
                () -> BlockCoordinateDescent.of(SolverFixtures::leastSquares, SolverFixtures.SOFT_THRESHOLD).with(null)}) {
            assertRefused("options", "null", nullOptions);
        }
    }
}
