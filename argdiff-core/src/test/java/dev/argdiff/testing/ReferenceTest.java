package dev.argdiff.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.argdiff.data.Datasets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Checks that the reference files load, and that they describe the data argdiff ships: the
 * closed-form ridge solution computed here from {@link Datasets#diabetesSplit()} matches the
 * reference solution, and the SplitMix64 lasso data reproduces the reference λ.
 */
class ReferenceTest {

    @Test
    void ridgeReferenceMatchesAClosedFormSolveOnTheShippedData() {
        Reference.Ridge ref = Reference.ridgeDiabetes();
        assertEquals(1.0, ref.theta());
        assertEquals(Math.exp(1.0), ref.l2reg(), 1e-15);
        assertEquals(10, ref.wStar().length);
        assertEquals(50, ref.adamExample().losses().length);

        // (X_trᵀX_tr/n + l2reg·I) w = X_trᵀy_tr/n, the stationarity condition of the inner objective.
        Datasets.RegressionSplit d = Datasets.diabetesSplit();
        int p = d.features();
        int n = d.nTrain();
        double[] a = new double[p * p];
        double[] rhs = new double[p];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < p; j++) {
                rhs[j] += d.xTrain()[i * p + j] * d.yTrain()[i] / n;
                for (int k = 0; k < p; k++) {
                    a[j * p + k] += d.xTrain()[i * p + j] * d.xTrain()[i * p + k] / n;
                }
            }
        }
        for (int j = 0; j < p; j++) {
            a[j * p + j] += ref.l2reg();
        }
        double[] w = PlainLinearAlgebra.solve(a, p, rhs);
        for (int j = 0; j < p; j++) {
            assertEquals(ref.wStar()[j], w[j], 1e-10 * Math.abs(ref.wStar()[j]), "w*[" + j + "]");
        }
        double valLoss = 0;
        for (int i = 0; i < d.nVal(); i++) {
            double r = -d.yVal()[i];
            for (int j = 0; j < p; j++) {
                r += d.xVal()[i * p + j] * w[j];
            }
            valLoss += r * r / d.nVal();
        }
        assertEquals(ref.valLoss(), valLoss, 1e-10 * ref.valLoss());
        assertEquals(ref.valLoss(), ref.adamExample().losses()[0], 1e-6 * ref.valLoss());
    }

    @Test
    void lassoDataReproducesTheReferenceLambda() {
        Map<String, Reference.Lasso> cases = Reference.lassoSynthetic();
        assertEquals(List.of("200x50", "1000x200", "2000x1000"), List.copyOf(cases.keySet()));
        for (Reference.Lasso c : cases.values()) {
            dev.argdiff.data.SyntheticLasso data = c.data();
            double[] a = data.a().toArray();
            double[] b = data.b().toArray();
            // lam = 0.1·max|Aᵀb|/n, as the file defines it, recomputed here independently of the generator.
            double max = 0;
            for (int j = 0; j < c.cols(); j++) {
                double s = 0;
                for (int i = 0; i < c.rows(); i++) {
                    s += a[i * c.cols() + j] * b[i];
                }
                max = Math.max(max, Math.abs(s));
            }
            assertEquals(c.lam(), 0.1 * max / c.rows(), 1e-14 * c.lam(), c.name());
            assertEquals(c.lam(), data.lambda(), 1e-14 * c.lam(), c.name());
            assertEquals(c.dsumsqDlamImplicitJaxopt(), c.dsumsqDlamUnrolledPytorch(),
                    1e-6 * Math.abs(c.dsumsqDlamImplicitJaxopt()), c.name());
        }
        assertEquals(37, cases.get("200x50").nnz());
    }
}
