package dev.argdiff.examples;

import dev.argdiff.testing.Reference;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The main job against JAXopt's run of the same example (ridge_diabetes.json, adam_example). */
class RidgeExampleTest {

    @Test
    void validationLossesReproduceJaxoptsRunToOneInAMillion() {
        Reference.AdamExample expected = Reference.ridgeDiabetes().adamExample();
        RidgeExample.Result result = RidgeExample.run(RidgeExample.Options.defaults(), null);
        List<RidgeExample.Step> steps = result.steps();
        assertEquals(expected.losses().length, steps.size());
        double worst = 0;
        for (int k = 0; k < steps.size(); k++) {
            double rel = Math.abs(steps.get(k).loss() - expected.losses()[k]) / Math.abs(expected.losses()[k]);
            worst = Math.max(worst, rel);
            assertTrue(rel <= 1e-6, "step " + (k + 1) + ": loss " + steps.get(k).loss() + " vs reference "
                    + expected.losses()[k] + " (relative difference " + rel + ")");
        }
        System.out.printf("ridge example: worst relative loss difference over 50 steps %.2e%n", worst);
        assertEquals(expected.thetaAfter50(), result.finalTheta(), 1e-6 * Math.abs(expected.thetaAfter50()));
    }

    @Test
    void firstStepIsTheClosedFormValueAndHypergradient() {
        Reference.Ridge ref = Reference.ridgeDiabetes();
        RidgeExample.Step first = RidgeExample.run(new RidgeExample.Options(1, 1e-2, 1.0, 20), null).steps().get(0);
        assertEquals(ref.valLoss(), first.loss(), 1e-10 * ref.valLoss());
        assertEquals(ref.dvalLossDtheta(), first.hypergradient(), 1e-8 * Math.abs(ref.dvalLossDtheta()));
        assertTrue(first.adjointResidual() < 1e-12, "adjoint residual " + first.adjointResidual());
    }

    @Test
    void badOptionsAreRefusedNamingTheOption() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new RidgeExample.Options(0, 1e-2, 1.0, 20));
        assertEquals("--steps must be >= 1, got 0", e.getMessage());
    }
}
