package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.projection.Projection;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Projection.polyhedron against active-set enumeration, its Jacobian against central differences. */
class PolyhedronProjectionTest {

    @Test
    void matchesEnumerationAndFiniteDifferences() {
        Random rnd = new Random(5);
        int n = 5;
        int m = 6;
        double[] identity = new double[n * n];
        for (int i = 0; i < n; i++) {
            identity[i * n + i] = 1;
        }
        double[] a = QpFixtures.gaussian(rnd, n);
        double[] g = QpFixtures.gaussian(rnd, m * n);
        double[] h = new double[m];
        for (int i = 0; i < m; i++) {
            h[i] = 0.2 + rnd.nextDouble();
        }
        double[] b = {0.3};
        double[] x = QpFixtures.gaussian(rnd, n);
        for (int i = 0; i < n; i++) {
            x[i] *= 3;
        }
        double[] negX = java.util.Arrays.stream(x).map(v -> -v).toArray();
        ActiveSetEnumeration.Solution ref = ActiveSetEnumeration.solve(identity, negX, a, b, g, h, n, 1, m);
        Function<Tensor, Tensor> proj = z -> Projection.polyhedron(z, QpFixtures.matrix(a, 1, n), Tensor.of(b),
                QpFixtures.matrix(g, m, n), Tensor.of(h));
        double[] y = proj.apply(Tensor.of(x)).toArray();
        assertTrue(QpFixtures.maxAbsDiff(y, ref.x()) <= 1e-9, () -> "off by " + QpFixtures.maxAbsDiff(y, ref.x()));
        int active = 0;
        for (boolean act : ref.active()) {
            active += act ? 1 : 0;
        }
        assertTrue(active > 0 && active < m, "a proper active set: " + active);
        double[] jac = Autodiff.jacrev(proj).apply(Tensor.of(x)).toArray();
        double step = 1e-6;
        for (int j = 0; j < n; j++) {
            double[] plus = x.clone();
            double[] minus = x.clone();
            plus[j] += step;
            minus[j] -= step;
            double[] yp = ActiveSetEnumeration.solve(identity, java.util.Arrays.stream(plus).map(v -> -v).toArray(), a, b, g,
                    h, n, 1, m).x();
            double[] ym = ActiveSetEnumeration.solve(identity, java.util.Arrays.stream(minus).map(v -> -v).toArray(), a, b, g,
                    h, n, 1, m).x();
            for (int i = 0; i < n; i++) {
                assertEquals((yp[i] - ym[i]) / (2 * step), jac[i * n + j], 1e-6, "entry " + i + ", " + j);
            }
        }
    }

    @Test
    void emptyPolyhedronIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Projection.polyhedron(
                Tensor.of(0.0, 0.0), null, null, Tensor.of(new double[][]{{1, 1}, {-1, -1}}), Tensor.of(-1.0, -1.0)));
        assertTrue(e.getMessage().contains("the polyhedron is empty"), e.getMessage());
    }
}
