package dev.argdiff.prox;

import dev.argdiff.projection.Projection;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The contract every prox and every projection onto a convex set satisfies, run over all of
 * them: the output has the input's shape, is deterministic and finite for finite input, and
 * the map is non-expansive, ‖P(x) − P(y)‖ ≤ ‖x − y‖ (proximal operators of convex functions
 * are firmly non-expansive).
 *
 * <p>The projections onto the l1 and l2 spheres are left out: the spheres are not convex and
 * their projections are not non-expansive (two points near the centre go to far apart points).
 */
class ProxAndProjectionContractTest {

    /** An operator and the input shapes it accepts; {@code make} builds it for one shape. */
    private record Case(Function<int[], UnaryOperator<Tensor>> make, List<int[]> shapes) {
    }

    private static final List<int[]> ANY = List.of(new int[0], new int[] {6}, new int[] {2, 3}, new int[] {0});
    private static final List<int[]> NON_EMPTY = List.of(new int[0], new int[] {6}, new int[] {2, 3});
    private static final List<int[]> VECTOR = List.of(new int[] {6});
    private static final List<int[]> MATRIX = List.of(new int[] {2, 3});

    private static Named<Case> perShape(String name, List<int[]> shapes, Function<int[], UnaryOperator<Tensor>> make) {
        return Named.of(name, new Case(make, shapes));
    }

    private static Named<Case> op(String name, List<int[]> shapes, UnaryOperator<Tensor> f) {
        return perShape(name, shapes, shape -> f);
    }

    static Stream<Named<Case>> operators() {
        List<Named<Case>> ops = new ArrayList<>();
        // proximal operators, at scalings below, at and above 1
        for (double s : new double[] {0.3, 1.0, 4.0}) {
            ops.add(op("Prox.none s=" + s, ANY, x -> Prox.none(x, null, s)));
            ops.add(op("Prox.lasso s=" + s, ANY, x -> Prox.lasso(x, 0.4, s)));
            ops.add(op("Prox.nonNegativeLasso s=" + s, ANY, x -> Prox.nonNegativeLasso(x, 0.4, s)));
            ops.add(op("Prox.elasticNet s=" + s, ANY, x -> Prox.elasticNet(x, 0.4, 2.0, s)));
            ops.add(op("Prox.groupLasso s=" + s, ANY, x -> Prox.groupLasso(x, 0.4, s)));
            ops.add(op("Prox.groupLasso(axis 1) s=" + s, MATRIX, x -> Prox.groupLasso(x, Tensor.scalar(0.4), s, 1)));
            ops.add(op("Prox.ridge s=" + s, ANY, x -> Prox.ridge(x, 0.4, s)));
            ops.add(op("Prox.nonNegativeRidge s=" + s, ANY, x -> Prox.nonNegativeRidge(x, 0.4, s)));
        }
        ops.add(op("Prox.lasso per-coordinate", VECTOR, x -> Prox.lasso(x, Tensor.of(0, 0.1, 0.2, 0.5, 1, 2), 1.0)));
        ops.add(op("Prox.fromProjection(box)", ANY,
                x -> Prox.<Tensor, Projection.Box>fromProjection(Projection::box).apply(x, Projection.Box.of(-0.5, 1), 3.0)));
        // projections onto convex sets
        ops.add(op("Projection.nonNegative", ANY, Projection::nonNegative));
        ops.add(op("Projection.box", ANY, x -> Projection.box(x, -0.5, 1.0)));
        ops.add(op("Projection.hypercube", ANY, x -> Projection.hypercube(x, 2.0)));
        ops.add(op("Projection.lInfBall", ANY, x -> Projection.lInfBall(x, 0.7)));
        ops.add(op("Projection.l2Ball", ANY, x -> Projection.l2Ball(x, 0.7)));
        ops.add(op("Projection.l1Ball", NON_EMPTY, x -> Projection.l1Ball(x, 0.7)));
        ops.add(op("Projection.simplex", VECTOR, x -> Projection.simplex(x, 1.0)));
        ops.add(op("Projection.simplex scale 5", VECTOR, x -> Projection.simplex(x, 5.0)));
        ops.add(op("Projection.simplex(axis 1)", MATRIX, x -> Projection.simplex(x, Tensor.scalar(1.0), 1)));
        ops.add(op("Projection.simplex(axis 0)", MATRIX, x -> Projection.simplex(x, Tensor.scalar(1.0), 0)));
        ops.add(perShape("Projection.hyperplane", NON_EMPTY, shape -> {
            Tensor a = Tensor.randomNormal(3, shape);
            return x -> Projection.hyperplane(x, a, Tensor.scalar(0.3));
        }));
        ops.add(perShape("Projection.halfspace", NON_EMPTY, shape -> {
            Tensor a = Tensor.randomNormal(4, shape);
            return x -> Projection.halfspace(x, a, Tensor.scalar(0.3));
        }));
        ops.add(perShape("Projection.affineSet", VECTOR, shape -> {
            Tensor a = Tensor.randomNormal(5, 2, shape[0]);
            Tensor b = Tensor.of(0.5, -1);
            return x -> Projection.affineSet(x, a, b);
        }));
        ops.add(op("Projection.transport", MATRIX,
                x -> Projection.transport(x, Tensor.of(1.1, 1.9), Tensor.of(0.7, 1.4, 0.9))));
        ops.add(op("Projection.birkhoff", List.of(new int[] {3, 3}), Projection::birkhoff));
        return ops.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("operators")
    void contract(Case c) {
        for (int[] shape : c.shapes()) {
            UnaryOperator<Tensor> f = c.make().apply(shape);
            String where = " for shape " + Arrays.toString(shape);
            for (int trial = 0; trial < 12; trial++) {
                double scale = new double[] {0.05, 1.0, 10.0}[trial % 3];
                Tensor x = Tensor.randomNormal(100 + trial, shape).mul(scale);
                Tensor y = trial % 4 == 3
                        ? x.add(Tensor.randomNormal(200 + trial, shape).mul(1e-3)) // a nearby pair
                        : Tensor.randomNormal(300 + trial, shape).mul(scale);
                Tensor px = f.apply(x);
                Tensor py = f.apply(y);
                assertArrayEquals(shape, px.shape(), "output shape" + where);
                assertEquals(px, f.apply(x), "not deterministic" + where);
                assertTrue(px.isFinite() && py.isFinite(), "non-finite output" + where + ": " + px);
                double dOut = px.sub(py).norm().item();
                double dIn = x.sub(y).norm().item();
                assertTrue(dOut <= dIn * (1 + 1e-12) + 1e-14,
                        "expansive" + where + ": ‖P(x) − P(y)‖ = " + dOut + " > ‖x − y‖ = " + dIn);
            }
        }
    }
}
