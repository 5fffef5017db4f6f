package dev.argdiff.projection;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.GradCheck;
import dev.argdiff.linalg.SolveFailedException;
import dev.argdiff.tensor.ShapeException;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.function.UnaryOperator;

import static dev.argdiff.ad.GradCheck.Mode.FORWARD;
import static dev.argdiff.ad.GradCheck.Mode.REVERSE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each projection onto a convex set: the result is feasible, idempotent, satisfies the
 * variational inequality ⟨x − P(x), z − P(x)⟩ ≤ 0 for feasible z (which characterizes the
 * projection), matches a closed form or an independent algorithm, and has the right
 * derivatives (finite differences; the closed-form Jacobian of simplex and l1-ball projections).
 */
class ProjectionTest {

    private static final double EXACT = 1e-14;
    private static final double FEAS = 1e-12;

    private record XH(Tensor x, Tensor h) {
    }

    private record XHH(Tensor x, Tensor h1, Tensor h2) {
    }

    /** A convex set for the generic properties: its projection, a feasibility test, random feasible points. */
    private record ConvexSet(String name, UnaryOperator<Tensor> project, Function<Tensor, Boolean> contains,
                             Function<SplittableRandom, Tensor> randomPoint, int[] shape) {
    }

    // ================================================================== generic properties

    private static List<ConvexSet> sets() {
        List<ConvexSet> sets = new ArrayList<>();
        int n = 7;
        sets.add(new ConvexSet("nonNegative", Projection::nonNegative,
                y -> min(y.toArray()) >= 0,
                r -> Tensor.of(randomArray(r, n, 0, 2)), new int[] {n}));
        Tensor lo = Tensor.of(-1, 0, 0.5, -3, -0.2, Double.NEGATIVE_INFINITY, 1);
        Tensor hi = Tensor.of(1, 0, 2, -1, 0.2, 0.3, Double.POSITIVE_INFINITY);
        sets.add(new ConvexSet("box", x -> Projection.box(x, lo, hi),
                y -> allBetween(y.toArray(), lo.toArray(), hi.toArray()),
                r -> {
                    double[] l = lo.toArray();
                    double[] h = hi.toArray();
                    double[] z = new double[n];
                    for (int i = 0; i < n; i++) {
                        double a = Double.isFinite(l[i]) ? l[i] : h[i] - 5;
                        double b = Double.isFinite(h[i]) ? h[i] : l[i] + 5;
                        z[i] = a + (b - a) * r.nextDouble();
                    }
                    return Tensor.of(z);
                }, new int[] {n}));
        double scale = 1.7;
        sets.add(new ConvexSet("simplex", x -> Projection.simplex(x, scale),
                y -> min(y.toArray()) >= 0 && Math.abs(sum(y.toArray()) - scale) <= FEAS,
                r -> {
                    double[] z = randomArray(r, n, 0, 1);
                    for (int i = 0; i < n; i++) {
                        z[i] = r.nextDouble() < 0.4 ? 0 : z[i]; // faces of the simplex too
                    }
                    z[r.nextInt(n)] += 0.1;
                    double s = sum(z);
                    for (int i = 0; i < n; i++) {
                        z[i] *= scale / s;
                    }
                    return Tensor.of(z);
                }, new int[] {n}));
        double radius = 1.3;
        sets.add(new ConvexSet("l1Ball", x -> Projection.l1Ball(x, radius),
                y -> l1(y.toArray()) <= radius + FEAS,
                r -> scaleTo(r, randomArray(r, n, -1, 1), radius, ProjectionTest::l1), new int[] {n}));
        sets.add(new ConvexSet("l2Ball", x -> Projection.l2Ball(x, radius),
                y -> l2(y.toArray()) <= radius + FEAS,
                r -> scaleTo(r, randomArray(r, n, -1, 1), radius, ProjectionTest::l2), new int[] {n}));
        sets.add(new ConvexSet("lInfBall", x -> Projection.lInfBall(x, radius),
                y -> max(abs(y.toArray())) <= radius,
                r -> Tensor.of(randomArray(r, n, -radius, radius)), new int[] {n}));
        double[] a = {1, -2, 0.5, 0, 3, -1, 0.25};
        double b = 0.7;
        sets.add(new ConvexSet("hyperplane", x -> Projection.hyperplane(x, Tensor.of(a), Tensor.scalar(b)),
                y -> Math.abs(dot(a, y.toArray()) - b) <= FEAS,
                r -> {
                    double[] z = randomArray(r, n, -2, 2);
                    double shift = (dot(a, z) - b) / dot(a, a);
                    for (int i = 0; i < n; i++) {
                        z[i] -= shift * a[i];
                    }
                    return Tensor.of(z);
                }, new int[] {n}));
        sets.add(new ConvexSet("halfspace", x -> Projection.halfspace(x, Tensor.of(a), Tensor.scalar(b)),
                y -> dot(a, y.toArray()) <= b + FEAS,
                r -> {
                    double[] z = randomArray(r, n, -2, 2);
                    double excess = dot(a, z) - b;
                    if (excess > 0) {
                        double shift = (excess + r.nextDouble()) / dot(a, a);
                        for (int i = 0; i < n; i++) {
                            z[i] -= shift * a[i];
                        }
                    }
                    return Tensor.of(z);
                }, new int[] {n}));
        AffineFixture af = AffineFixture.create(n, 3, 41);
        sets.add(new ConvexSet("affineSet", x -> Projection.affineSet(x, af.matrix, af.b),
                y -> maxAbsDiff(af.matrix.matmul(y).toArray(), af.b.toArray()) <= FEAS,
                af::randomFeasible, new int[] {n}));
        // an n-d input: the l2 ball and the box treat all entries alike
        sets.add(new ConvexSet("l2Ball (2-d)", x -> Projection.l2Ball(x, radius),
                y -> l2(y.toArray()) <= radius + FEAS,
                r -> scaleTo(r, randomArray(r, 6, -1, 1), radius, ProjectionTest::l2).reshape(2, 3), new int[] {2, 3}));
        return sets;
    }

    @Test
    void feasibleIdempotentAndVariationalInequality() {
        SplittableRandom rng = new SplittableRandom(5);
        for (ConvexSet set : sets()) {
            for (int trial = 0; trial < 20; trial++) {
                // inputs of several magnitudes: inside and far outside the set
                Tensor x = Tensor.randomNormal(1000 + trial, set.shape()).mul(trial % 4 == 0 ? 0.2 : 3.0);
                Tensor p = set.project().apply(x);
                assertArrayEquals(x.shape(), p.shape(), set.name() + ": shape");
                assertTrue(set.contains().apply(p), set.name() + ": P(x) is not feasible: " + p);
                assertValues(p.toArray(), set.project().apply(p), 1e-13, set.name() + ": P(P(x)) != P(x)");
                Tensor residual = x.sub(p);
                for (int k = 0; k < 10; k++) {
                    Tensor z = set.randomPoint().apply(rng);
                    assertTrue(set.contains().apply(z), set.name() + ": the test's random point is not feasible");
                    double vi = residual.vdot(z.sub(p)).item();
                    assertTrue(vi <= 1e-10, set.name() + ": <x - P(x), z - P(x)> = " + vi + " > 0 for x = " + x);
                }
            }
        }
    }

    // ================================================================== closed forms

    @Test
    void nonNegativeAndBoxClosedForms() {
        Tensor x = Tensor.of(-1, 0.5, 3, 0);
        assertValues(new double[] {0, 0.5, 3, 0}, Projection.nonNegative(x), 0, "nonNegative");
        assertValues(new double[] {0, 0.5, 1, 0}, Projection.box(x, 0, 1), 0, "box");
        assertValues(new double[] {0, 0.5, 1, 0}, Projection.hypercube(x, 1), 0, "hypercube");
        assertValues(new double[] {-0.5, 0.5, 0.5, 0}, Projection.lInfBall(x, 0.5), 0, "lInfBall");
        ProjectionOperator<Tensor, Projection.Box> box = Projection::box;
        assertValues(new double[] {-1, 0.5, 2, 0}, box.apply(x, Projection.Box.of(-2, 2)), 0, "box operator");
        // per-coordinate bounds
        assertValues(new double[] {-1, 1, 2.5, -0.1},
                Projection.box(x, Tensor.of(-3, 1, 2, -0.2), Tensor.of(-1, 2, 2.5, -0.1)), 0, "box per coordinate");
    }

    @Test
    void simplexClosedForms() {
        assertValues(new double[] {0.5, 0.5}, Projection.simplex(Tensor.of(0.5, 0.5), 1.0), EXACT, "inside");
        assertValues(new double[] {1, 0}, Projection.simplex(Tensor.of(2, 0), 1.0), EXACT, "vertex");
        // τ = (0.6 − 1)/3
        assertValues(new double[] {0.3 + 0.4 / 3, 0.2 + 0.4 / 3, 0.1 + 0.4 / 3},
                Projection.simplex(Tensor.of(0.3, 0.2, 0.1), 1.0), EXACT, "all in the support");
        // sorted [1, 1, −5]: ρ = 2, τ = 0.5; a tie inside the support
        assertValues(new double[] {0.5, 0.5, 0}, Projection.simplex(Tensor.of(1, 1, -5), 1.0), EXACT, "tie");
        // scale 3: x = [4, 1, 0] → τ = (5 − 3)/2 = 1 → [3, 0, 0]; entry 1 lands exactly on τ
        assertValues(new double[] {3, 0, 0}, Projection.simplex(Tensor.of(4, 1, 0), 3.0), EXACT, "scaled");
        assertValues(new double[] {1}, Projection.simplex(Tensor.of(-7), 1.0), EXACT, "one entry");
        // rows of a matrix (sparsemax of each row), and columns
        Tensor m = Tensor.of(new double[][] {{2, 0}, {0.5, 0.5}, {0.3, 0.1}});
        assertValues(new double[] {1, 0, 0.5, 0.5, 0.6, 0.4}, Projection.simplex(m, Tensor.scalar(1.0), 1), EXACT, "rows");
        Tensor cols = Projection.simplex(m.transpose(), Tensor.scalar(1.0), 0).transpose();
        assertValues(new double[] {1, 0, 0.5, 0.5, 0.6, 0.4}, cols, EXACT, "columns");
    }

    /** The simplex projection by bisection on τ in Σ max(xᵢ − τ, 0) = s: another algorithm. */
    private static double[] simplexByBisection(double[] x, double s) {
        double lo = min(x) - s;
        double hi = max(x);
        for (int it = 0; it < 200; it++) {
            double mid = 0.5 * (lo + hi);
            double total = 0;
            for (double v : x) {
                total += Math.max(v - mid, 0);
            }
            if (total > s) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        double tau = 0.5 * (lo + hi);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = Math.max(x[i] - tau, 0);
        }
        return out;
    }

    @Test
    void simplexAndL1BallMatchBisection() {
        for (int trial = 0; trial < 30; trial++) {
            double[] x = Tensor.randomNormal(200 + trial, 4 + trial % 9).mul(1 + trial % 3).toArray();
            double s = 0.5 + trial % 4;
            assertValues(simplexByBisection(x, s), Projection.simplex(Tensor.of(x), s), 1e-12, "simplex");
            double[] abs = abs(x);
            double[] expected = x.clone();
            if (l1(x) > s) {
                double[] p = simplexByBisection(abs, s);
                for (int i = 0; i < x.length; i++) {
                    expected[i] = Math.signum(x[i]) * p[i];
                }
            }
            assertValues(expected, Projection.l1Ball(Tensor.of(x), s), 1e-12, "l1Ball");
        }
    }

    @Test
    void l1AndL2ClosedForms() {
        assertValues(new double[] {0.6, 0.8}, Projection.l2Ball(Tensor.of(3, 4), 1.0), EXACT, "l2Ball outside");
        assertValues(new double[] {3, 4}, Projection.l2Ball(Tensor.of(3, 4), 10.0), 0, "l2Ball inside");
        assertValues(new double[] {0, 0}, Projection.l2Ball(Tensor.of(3, 4), 0.0), 0, "l2Ball radius 0");
        assertValues(new double[] {1.2, 1.6}, Projection.l2Sphere(Tensor.of(3, 4), 2.0), EXACT, "l2Sphere");
        assertValues(new double[] {1.2, 1.6}, Projection.l2Sphere(Tensor.of(0.3, 0.4), 2.0), EXACT, "l2Sphere inside");
        // ‖[3, −1]‖₁ = 4 > 2: |x| → simplex([3, 1], 2) = [2, 0]
        assertValues(new double[] {2, 0}, Projection.l1Ball(Tensor.of(3, -1), 2.0), EXACT, "l1Ball");
        assertValues(new double[] {1.5, -0.5}, Projection.l1Ball(Tensor.of(2, -1), 2.0), EXACT, "l1Ball two active");
        Tensor inside = Tensor.of(0.5, -0.5);
        assertSame(inside, Projection.l1Ball(inside, 2.0), "l1Ball inside returns x");
        assertValues(new double[] {0, 0}, Projection.l1Ball(Tensor.of(3, 4), 0.0), 0, "l1Ball radius 0");
        assertValues(new double[] {1.5, -0.5}, Projection.l1Sphere(Tensor.of(2, -1), 2.0), EXACT, "l1Sphere");
        // inside the ball, with a zero entry: [0.55, 0.45] is on the sphere and nearer than [1, 0]
        assertValues(new double[] {0.55, 0.45}, Projection.l1Sphere(Tensor.of(0.1, 0), 1.0), EXACT, "l1Sphere zero entry");
    }

    @Test
    void spheresGiveANearestPoint() {
        // The spheres are not convex; check directly that no random point of the sphere is nearer.
        SplittableRandom rng = new SplittableRandom(9);
        for (int trial = 0; trial < 20; trial++) {
            Tensor x = Tensor.randomNormal(300 + trial, 5).mul(trial % 2 == 0 ? 0.2 : 3.0);
            Tensor p2 = Projection.l2Sphere(x, 1.5);
            Tensor p1 = Projection.l1Sphere(x, 1.5);
            assertEquals(1.5, l2(p2.toArray()), 1e-14);
            assertEquals(1.5, l1(p1.toArray()), 1e-13);
            double d2 = x.sub(p2).norm().item();
            double d1 = x.sub(p1).norm().item();
            for (int k = 0; k < 200; k++) {
                double[] z = randomArray(rng, 5, -1, 1);
                double n2 = l2(z);
                double n1 = l1(z);
                double[] z2 = new double[5];
                double[] z1 = new double[5];
                for (int i = 0; i < 5; i++) {
                    z2[i] = 1.5 * z[i] / n2;
                    z1[i] = 1.5 * z[i] / n1;
                }
                assertTrue(d2 <= x.sub(Tensor.of(z2)).norm().item() + 1e-12, "l2Sphere: a nearer point exists");
                assertTrue(d1 <= x.sub(Tensor.of(z1)).norm().item() + 1e-12, "l1Sphere: a nearer point exists");
            }
        }
    }

    @Test
    void hyperplaneAndHalfspaceClosedForms() {
        Tensor a = Tensor.of(1, 1);
        Tensor b = Tensor.scalar(1.0);
        assertValues(new double[] {0.5, 0.5}, Projection.hyperplane(Tensor.of(1, 1), a, b), EXACT, "hyperplane");
        assertValues(new double[] {1, 0}, Projection.hyperplane(Tensor.of(0, -1), a, b), EXACT, "hyperplane below");
        assertValues(new double[] {0.5, 0.5}, Projection.halfspace(Tensor.of(1, 1), a, b), EXACT, "halfspace outside");
        assertValues(new double[] {0, -1}, Projection.halfspace(Tensor.of(0, -1), a, b), 0, "halfspace inside");
        ProjectionOperator<Tensor, Projection.Hyperplane> op = Projection::hyperplane;
        assertValues(new double[] {0.5, 0.5}, op.apply(Tensor.of(1, 1), new Projection.Hyperplane(a, b)), EXACT, "record");
    }

    /**
     * An affine set {Ay = b} built from a known orthonormal basis Q (Gram–Schmidt in the test):
     * A = R·Q₁ᵀ with R invertible, so its null space is spanned by the other columns Q₂ and
     * the projection has the closed form y₀ + Q₂Q₂ᵀ(x − y₀) for any feasible y₀.
     */
    private static final class AffineFixture {
        final Tensor matrix;
        final Tensor b;
        final double[][] nullBasis;
        final double[] y0;

        private AffineFixture(Tensor matrix, Tensor b, double[][] nullBasis, double[] y0) {
            this.matrix = matrix;
            this.b = b;
            this.nullBasis = nullBasis;
            this.y0 = y0;
        }

        static AffineFixture create(int n, int m, long seed) {
            double[][] q = Tensor.randomNormal(seed, n, n).toArray2d();
            for (int j = 0; j < n; j++) { // Gram–Schmidt on the rows
                for (int k = 0; k < j; k++) {
                    double d = dot(q[j], q[k]);
                    for (int i = 0; i < n; i++) {
                        q[j][i] -= d * q[k][i];
                    }
                }
                double norm = l2(q[j]);
                for (int i = 0; i < n; i++) {
                    q[j][i] /= norm;
                }
            }
            double[][] r = Tensor.randomNormal(seed + 1, m, m).add(Tensor.eye(m).mul(3.0)).toArray2d();
            double[][] a = new double[m][n];
            for (int i = 0; i < m; i++) {
                for (int k = 0; k < m; k++) {
                    for (int j = 0; j < n; j++) {
                        a[i][j] += r[i][k] * q[k][j];
                    }
                }
            }
            double[] y0 = Tensor.randomNormal(seed + 2, n).toArray();
            Tensor matrix = Tensor.of(a);
            double[][] nullBasis = new double[n - m][];
            for (int k = m; k < n; k++) {
                nullBasis[k - m] = q[k];
            }
            return new AffineFixture(matrix, matrix.matmul(Tensor.of(y0)), nullBasis, y0);
        }

        double[] closedForm(double[] x) {
            double[] out = y0.clone();
            double[] d = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                d[i] = x[i] - y0[i];
            }
            for (double[] q : nullBasis) {
                double c = dot(q, d);
                for (int i = 0; i < x.length; i++) {
                    out[i] += c * q[i];
                }
            }
            return out;
        }

        Tensor randomFeasible(SplittableRandom rng) {
            double[] z = y0.clone();
            for (double[] q : nullBasis) {
                double c = 4 * rng.nextDouble() - 2;
                for (int i = 0; i < z.length; i++) {
                    z[i] += c * q[i];
                }
            }
            return Tensor.of(z);
        }
    }

    @Test
    void affineSetMatchesTheNullSpaceFormula() {
        AffineFixture af = AffineFixture.create(6, 2, 77);
        for (int trial = 0; trial < 5; trial++) {
            double[] x = Tensor.randomNormal(400 + trial, 6).mul(3.0).toArray();
            assertValues(af.closedForm(x), Projection.affineSet(Tensor.of(x), af.matrix, af.b), 1e-12, "affineSet");
        }
        // one row: the hyperplane
        Tensor a = Tensor.of(new double[][] {{1, 1}});
        assertValues(new double[] {0.5, 0.5}, Projection.affineSet(Tensor.of(1, 1), a, Tensor.of(1)), EXACT, "one row");
    }

    // ================================================================== derivatives

    @Test
    void derivativesInXAndSetParameters() {
        Tensor x = Tensor.of(2.1, -0.4, 0.7, 1.6, -3.0, 0.05);
        // box: per-coordinate bounds with x strictly inside, below and above
        check((XHH a) -> Projection.box(a.x(), a.h1(), a.h2()),
                new XHH(x, Tensor.of(-1, -1, 0.9, 0, -2.5, -1), Tensor.of(1, 1, 2, 1.5, 0, 1)));
        check(a -> Projection.lInfBall(a.x(), a.h()), new XH(x, Tensor.scalar(1.0)));
        check(a -> Projection.nonNegative(a.x()), new XH(x, Tensor.scalar(0.0)));
        check(a -> Projection.hypercube(a.x(), a.h()), new XH(x, Tensor.scalar(1.0)));
        // simplex with a support of 1, 2 and all entries
        for (double s : new double[] {0.3, 1.0, 30.0}) {
            check(a -> Projection.simplex(a.x(), a.h()), new XH(x, Tensor.scalar(s)));
        }
        check(a -> Projection.simplex(a.x(), a.h(), 1),
                new XH(x.reshape(2, 3), Tensor.of(new int[] {2, 1}, new double[] {1.0, 2.0})));
        check(a -> Projection.l1Ball(a.x(), a.h()), new XH(x, Tensor.scalar(2.0)));
        check(a -> Projection.l1Ball(a.x(), a.h()), new XH(x, Tensor.scalar(100.0))); // inside
        check(a -> Projection.l1Sphere(a.x(), a.h()), new XH(x, Tensor.scalar(2.0)));
        check(a -> Projection.l2Ball(a.x(), a.h()), new XH(x, Tensor.scalar(2.0)));
        check(a -> Projection.l2Ball(a.x(), a.h()), new XH(x, Tensor.scalar(100.0)));
        check(a -> Projection.l2Sphere(a.x(), a.h()), new XH(x, Tensor.scalar(2.0)));
        Tensor normal = Tensor.of(1, -2, 0.5, 0.3, 1, -1);
        check((XHH a) -> Projection.hyperplane(a.x(), a.h1(), a.h2()), new XHH(x, normal, Tensor.scalar(0.4)));
        check((XHH a) -> Projection.halfspace(a.x(), a.h1(), a.h2()), new XHH(x, normal, Tensor.scalar(0.4)));
        check((XHH a) -> Projection.halfspace(a.x(), a.h1(), a.h2()), new XHH(x, normal, Tensor.scalar(50.0)));
        AffineFixture af = AffineFixture.create(6, 2, 88);
        check((XHH a) -> Projection.affineSet(a.x(), a.h1(), a.h2()), new XHH(x, af.matrix, af.b));
    }

    @Test
    void secondOrderDerivativesOfAffineAndL2Projections() {
        Tensor x = Tensor.of(2.1, -0.4, 0.7, 1.6);
        AffineFixture af = AffineFixture.create(4, 2, 99);
        GradCheck.checkGrads((XHH a) -> Projection.affineSet(a.x(), a.h1(), a.h2()), new XHH(x, af.matrix, af.b), 2);
        GradCheck.checkGrads((XH a) -> Projection.l2Ball(a.x(), a.h()), new XH(x, Tensor.scalar(1.0)), 2);
    }

    @Test
    void simplexJacobianIsTheCenteringOnTheSupport() {
        Tensor x = Tensor.of(0.9, -0.3, 0.6, 0.05, 1.2, -2.0);
        Tensor p = Projection.simplex(x, 1.0);
        double[] pv = p.toArray();
        int n = pv.length;
        int support = 0;
        for (double v : pv) {
            support += v > 0 ? 1 : 0;
        }
        assertTrue(support > 1 && support < n, "the test needs a proper support, got " + support);
        double[] expected = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (pv[i] > 0 && pv[j] > 0) {
                    expected[i * n + j] = (i == j ? 1 : 0) - 1.0 / support;
                }
            }
        }
        Function<Tensor, Tensor> f = z -> Projection.simplex(z, 1.0);
        assertValues(expected, Autodiff.jacfwd(f).apply(x), EXACT, "simplex jacfwd");
        assertValues(expected, Autodiff.jacrev(f).apply(x), EXACT, "simplex jacrev");
        // ∂P/∂s = 1_S / |S|
        double[] ds = new double[n];
        for (int i = 0; i < n; i++) {
            ds[i] = pv[i] > 0 ? 1.0 / support : 0;
        }
        assertValues(ds, Autodiff.jacfwd((Tensor s) -> Projection.simplex(x, s)).apply(Tensor.scalar(1.0)), EXACT, "d/ds");
    }

    @Test
    void l1BallJacobianIsTheSignedCenteringOnTheSupport() {
        Tensor x = Tensor.of(0.9, -0.3, -0.6, 0.05, 1.2, -2.0);
        double r = 1.5;
        Tensor p = Projection.l1Ball(x, r);
        double[] pv = p.toArray();
        double[] sg = x.sign().toArray();
        int n = pv.length;
        int support = 0;
        for (double v : pv) {
            support += v != 0 ? 1 : 0;
        }
        assertTrue(support > 1 && support < n, "the test needs a proper support, got " + support);
        double[] expected = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (pv[i] != 0 && pv[j] != 0) {
                    expected[i * n + j] = (i == j ? 1 : 0) - sg[i] * sg[j] / support;
                }
            }
        }
        Function<Tensor, Tensor> f = z -> Projection.l1Ball(z, r);
        assertValues(expected, Autodiff.jacfwd(f).apply(x), EXACT, "l1Ball jacfwd");
        assertValues(expected, Autodiff.jacrev(f).apply(x), EXACT, "l1Ball jacrev");
        double[] dr = new double[n];
        for (int i = 0; i < n; i++) {
            dr[i] = pv[i] != 0 ? sg[i] / support : 0;
        }
        assertValues(dr, Autodiff.jacrev((Tensor s) -> Projection.l1Ball(x, s)).apply(Tensor.scalar(r)), EXACT, "d/dr");
        // inside the ball: the identity
        Function<Tensor, Tensor> g = z -> Projection.l1Ball(z, 100.0);
        assertValues(Tensor.eye(n).toArray(), Autodiff.jacfwd(g).apply(x), 0, "inside");
    }

    private static <T> void check(Function<T, Tensor> f, T args) {
        GradCheck.checkGrads(f, args, 1, FORWARD, REVERSE);
    }

    // ================================================================== argument checks

    @Test
    void refusesBadArguments() {
        Tensor x = Tensor.of(1, 2);
        assertEquals("Projection.box: needs lower <= upper, got lower 1.0 and upper 0.0",
                assertThrows(IllegalArgumentException.class, () -> Projection.box(x, 1, 0)).getMessage());
        assertEquals("Projection.simplex: scale must be finite and > 0, got 0.0",
                assertThrows(IllegalArgumentException.class, () -> Projection.simplex(x, 0.0)).getMessage());
        assertEquals("Projection.simplex: x must be 1-d, got shape [1, 2] (use simplex(x, scale, axis) to project slices of a tensor)",
                assertThrows(ShapeException.class, () -> Projection.simplex(x.reshape(1, 2), 1.0)).getMessage());
        assertEquals("Projection.l2Ball: radius must be finite and >= 0, got -1.0",
                assertThrows(IllegalArgumentException.class, () -> Projection.l2Ball(x, -1.0)).getMessage());
        assertEquals("Projection.l2Sphere: x is 0 (shape [2]), where every point of the sphere is nearest; the projection is not defined",
                assertThrows(IllegalArgumentException.class, () -> Projection.l2Sphere(Tensor.zeros(2), 1.0)).getMessage());
        assertEquals("Projection.hyperplane: a has shape [3] but x has shape [2]",
                assertThrows(ShapeException.class,
                        () -> Projection.hyperplane(x, Tensor.of(1, 2, 3), Tensor.scalar(0.0))).getMessage());
        assertEquals("Projection.halfspace: a must be non-zero (the set would be empty or everything)",
                assertThrows(IllegalArgumentException.class,
                        () -> Projection.halfspace(x, Tensor.zeros(2), Tensor.scalar(0.0))).getMessage());
        assertEquals("Projection.affineSet: needs x of shape (n), A of shape (m, n) with m >= 1 and b of shape (m), "
                        + "got x [2], A [1, 3] and b [1]",
                assertThrows(ShapeException.class,
                        () -> Projection.affineSet(x, Tensor.ones(1, 3), Tensor.of(1))).getMessage());
        // A without full row rank: A·Aᵀ is singular
        assertThrows(SolveFailedException.class,
                () -> Projection.affineSet(x, Tensor.of(new double[][] {{1, 1}, {2, 2}}), Tensor.of(1, 2)));
        assertThrows(ShapeException.class, () -> Projection.simplex(Tensor.zeros(0), 1.0));
    }

    // ================================================================== helpers

    static void assertValues(double[] expected, Tensor actual, double tol, String what) {
        double[] a = actual.toArray();
        assertEquals(expected.length, a.length, what + ": number of entries");
        for (int i = 0; i < a.length; i++) {
            double scale = Math.max(1, Math.abs(expected[i]));
            if (!(Math.abs(a[i] - expected[i]) <= tol * scale)) {
                assertArrayEquals(expected, a, tol, what + ": entry " + i + " differs");
            }
        }
    }

    private static double[] randomArray(SplittableRandom r, int n, double lo, double hi) {
        double[] z = new double[n];
        for (int i = 0; i < n; i++) {
            z[i] = lo + (hi - lo) * r.nextDouble();
        }
        return z;
    }

    /** z rescaled to a random norm in [0, radius]. */
    private static Tensor scaleTo(SplittableRandom r, double[] z, double radius, Function<double[], Double> norm) {
        double target = radius * (r.nextDouble() < 0.3 ? 1.0 : r.nextDouble());
        double k = target / norm.apply(z);
        double[] out = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            out[i] = z[i] * k;
        }
        return Tensor.of(out);
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    static double sum(double[] a) {
        double s = 0;
        for (double v : a) {
            s += v;
        }
        return s;
    }

    static double l1(double[] a) {
        return sum(abs(a));
    }

    static double l2(double[] a) {
        return Math.sqrt(dot(a, a));
    }

    static double[] abs(double[] a) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = Math.abs(a[i]);
        }
        return out;
    }

    static double min(double[] a) {
        double m = Double.POSITIVE_INFINITY;
        for (double v : a) {
            m = Math.min(m, v);
        }
        return m;
    }

    static double max(double[] a) {
        double m = Double.NEGATIVE_INFINITY;
        for (double v : a) {
            m = Math.max(m, v);
        }
        return m;
    }

    private static boolean allBetween(double[] y, double[] lo, double[] hi) {
        for (int i = 0; i < y.length; i++) {
            if (!(y[i] >= lo[i] && y[i] <= hi[i])) {
                return false;
            }
        }
        return true;
    }

    private static double maxAbsDiff(double[] a, double[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
