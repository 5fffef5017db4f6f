package dev.argdiff.tensor;

import dev.argdiff.ad.Autodiff;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Algebraic identities on random small tensors (jqwik, fixed seeds): gradients of bilinear
 * forms, transposition, and the adjointness of broadcasting and summing.
 */
class AlgebraicPropertiesTest {

    private static double[][] product(double[][] a, double[][] b, boolean transB) {
        int m = a.length;
        int k = a[0].length;
        int n = transB ? b.length : b[0].length;
        double[][] c = new double[m][n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                for (int l = 0; l < k; l++) {
                    c[i][j] += a[i][l] * (transB ? b[j][l] : b[l][j]);
                }
            }
        }
        return c;
    }

    /** ∇_A ⟨A·B, C⟩ = C·Bᵀ and ∇_B ⟨A·B, C⟩ = Aᵀ·C, in reverse and forward mode. */
    @Property(tries = 50, seed = "20240611")
    void gradientOfABilinearForm(@ForAll @IntRange(min = 1, max = 5) int m, @ForAll @IntRange(min = 1, max = 5) int k,
                                 @ForAll @IntRange(min = 1, max = 5) int n, @ForAll @IntRange(min = 0, max = 1 << 20) int seed) {
        Tensor a = Tensor.randomNormal(seed, m, k);
        Tensor b = Tensor.randomNormal(seed + 1L, k, n);
        Tensor c = Tensor.randomNormal(seed + 2L, m, n);
        Tensor ga = Autodiff.grad((Tensor x) -> x.matmul(b).vdot(c)).apply(a);
        double[][] expected = product(c.toArray2d(), b.toArray2d(), true);
        for (int i = 0; i < m; i++) {
            assertArrayEquals(expected[i], ga.row(i).toArray(), 1e-12);
        }
        Tensor gb = Autodiff.grad((Tensor y) -> a.matmul(y).vdot(c)).apply(b);
        double[][] at = a.transpose().toArray2d();
        double[][] expectedB = product(at, c.toArray2d(), false);
        for (int i = 0; i < k; i++) {
            assertArrayEquals(expectedB[i], gb.row(i).toArray(), 1e-12);
        }
        // Forward mode along a direction D: ⟨D·B, C⟩ = ⟨D, C·Bᵀ⟩.
        Tensor d = Tensor.randomNormal(seed + 3L, m, k);
        double jvp = Autodiff.jvp((Tensor x) -> x.matmul(b).vdot(c), a, d).tangent().item();
        assertEquals(d.vdot(ga).item(), jvp, 1e-12 * (1 + Math.abs(jvp)));
    }

    @Provide
    Arbitrary<int[]> shapes() {
        return Arbitraries.integers().between(0, 4).list().ofMinSize(0).ofMaxSize(4)
                .map(l -> l.stream().mapToInt(Integer::intValue).toArray());
    }

    /** Transposing by a permutation and then by its inverse, or reversing the axes twice, is the identity. */
    @Property(tries = 50, seed = "20240612")
    void transposeTwiceIsTheIdentity(@ForAll("shapes") int[] shape, @ForAll @IntRange(min = 0, max = 1 << 20) int seed) {
        Tensor x = Tensor.randomNormal(seed, shape);
        assertEquals(x, x.transpose().transpose());
        List<Integer> p = new ArrayList<>();
        for (int i = 0; i < shape.length; i++) {
            p.add(i);
        }
        Collections.shuffle(p, new Random(seed));
        int[] perm = p.stream().mapToInt(Integer::intValue).toArray();
        int[] inverse = new int[perm.length];
        for (int i = 0; i < perm.length; i++) {
            inverse[perm[i]] = i;
        }
        Tensor t = x.transpose(perm);
        for (int i = 0; i < perm.length; i++) {
            assertEquals(shape[perm[i]], t.dim(i));
        }
        assertEquals(x, t.transpose(inverse));
        // The gradient of a transpose is the inverse transpose.
        Tensor w = Tensor.randomNormal(seed + 1L, t.shape());
        assertEquals(w.transpose(inverse), Autodiff.grad((Tensor z) -> z.transpose(perm).vdot(w)).apply(x));
    }

    /** A shape and a shape it broadcasts to (extra leading axes, some axes of length 1 expanded). */
    @Provide
    Arbitrary<int[][]> broadcastPairs() {
        Arbitrary<List<Integer>> target = Arbitraries.integers().between(1, 4).list().ofMinSize(0).ofMaxSize(4);
        Arbitrary<Integer> bits = Arbitraries.integers().between(0, 255);
        return Combinators.combine(target, bits).as((t, mask) -> {
            int[] to = t.stream().mapToInt(Integer::intValue).toArray();
            int drop = to.length == 0 ? 0 : mask % (to.length + 1);
            int[] from = Arrays.copyOfRange(to, drop, to.length);
            for (int i = 0; i < from.length; i++) {
                if (((mask >> (i + 2)) & 1) == 1) {
                    from[i] = 1;
                }
            }
            return new int[][] {from, to};
        });
    }

    /** sumTo is the adjoint of broadcastTo, and sumTo(broadcastTo(x)) multiplies x by the replication factor. */
    @Property(tries = 50, seed = "20240613")
    void sumToUndoesBroadcast(@ForAll("broadcastPairs") int[][] pair, @ForAll @IntRange(min = 0, max = 1 << 20) int seed) {
        int[] from = pair[0];
        int[] to = pair[1];
        Tensor x = Tensor.randomNormal(seed, from);
        Tensor b = x.broadcastTo(to);
        assertArrayEquals(to, b.shape());
        double factor = (double) Shapes.size(to) / Shapes.size(from);
        Tensor back = Ops.sumTo(b, from);
        assertArrayEquals(from, back.shape());
        assertArrayEquals(x.mul(factor).toArray(), back.toArray(), 1e-12);
        // ⟨broadcastTo(x), y⟩ = ⟨x, sumTo(y)⟩.
        Tensor y = Tensor.randomNormal(seed + 1L, to);
        assertEquals(b.vdot(y).item(), x.vdot(Ops.sumTo(y, from)).item(), 1e-12);
        // The gradient of a broadcast is that sum, and broadcasting in a binary operation agrees with it.
        assertEquals(Ops.sumTo(y, from), Autodiff.grad((Tensor z) -> z.broadcastTo(to).vdot(y)).apply(x));
        Tensor viaAdd = Autodiff.grad((Tensor z) -> z.add(Tensor.zeros(to)).vdot(y)).apply(x);
        assertArrayEquals(Ops.sumTo(y, from).toArray(), viaAdd.toArray(), 1e-12);
    }
}
