package dev.argdiff.examples;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The curve-fit example: the implicit sensitivity d(θ*)/dy agrees with finite differences of
 * re-fitted data; the Gauss–Newton approximation differs from it (nonzero residuals) but not
 * wildly; with noise-free data the fit recovers the truth and the two Jacobians coincide.
 */
class CurveFitExampleTest {

    @Test
    void sensitivityMatchesRefittedData() {
        CurveFitExample.Result r = CurveFitExample.run(new CurveFitExample.Options(25, 0.3, 7));
        assertTrue(r.maxFiniteDifferenceGap() < 1e-6, "implicit vs finite differences " + r.maxFiniteDifferenceGap());
        assertTrue(r.gaussNewtonRelativeGap() > 1e-4 && r.gaussNewtonRelativeGap() < 0.5,
                "Gauss-Newton gap " + r.gaussNewtonRelativeGap());
        assertEquals(10, r.theta()[0], 1.0);
        // Σ_j dK/dy_j: scaling all data by (1 + ε) scales K by (1 + ε), so Σ_j y_j·dK/dy_j = K exactly.
        double s = 0;
        for (int j = 0; j < r.y().length; j++) {
            s += r.y()[j] * r.sensitivity()[0][j];
        }
        assertEquals(r.theta()[0], s, 1e-8);
    }

    @Test
    void noiseFreeDataRecoverTheTruthAndGaussNewtonIsExact() {
        CurveFitExample.Result r = CurveFitExample.run(new CurveFitExample.Options(20, 0.0, 1));
        assertEquals(10, r.theta()[0], 1e-8);
        assertEquals(1.2, r.theta()[1], 1e-8);
        assertEquals(5, r.theta()[2], 1e-8);
        assertTrue(r.gaussNewtonRelativeGap() < 1e-7, "zero residuals: " + r.gaussNewtonRelativeGap());
    }

    @Test
    void badOptionsAreRefused() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CurveFitExample.run(
                new CurveFitExample.Options(3, 0.3, 1))).getMessage().contains("points = 3"));
    }
}
