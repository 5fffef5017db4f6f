package dev.argdiff.adversarial;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.implicit.ImplicitDiff;
import dev.argdiff.implicit.ImplicitOptions;
import dev.argdiff.tensor.Tensor;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.util.List;
import java.util.Random;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Random compositions of functions that capture the differentiated θ (and the traced running
 * value) through closures, each step evaluated plainly, through {@code checkpoint}, or as the
 * root of an optimality condition F(x) = x − step(h, θ) under {@code customRoot} (F captures θ
 * and h; the solver reads them as constants): derivatives equal those of the plain composition
 * at first and second order, forward and reverse.
 */
class ClosureCapturePropertiesTest {

    /** Step kinds: each a smooth map of the running value h with θ captured. */
    private static Tensor step(int kind, Tensor h, Tensor theta) {
        switch (kind) {
            case 0:
                return h.mul(theta).sin();
            case 1:
                return h.add(theta.square()).mul(0.5);
            case 2:
                return h.tanh().mul(theta);
            case 3:
                return h.mul(h).mul(0.3).add(theta);
            default:
                return h.exp().mul(0.2).add(h.mul(theta).cos());
        }
    }

    /** How a step is evaluated. */
    private enum Wrap { PLAIN, CHECKPOINT, ROOT }

    private static Tensor wrapped(Wrap wrap, int kind, Tensor h, Tensor theta) {
        switch (wrap) {
            case CHECKPOINT:
                return Autodiff.checkpoint((Tensor hh) -> step(kind, hh, theta)).apply(h);
            case ROOT: {
                // x* = step(h, θ) as the root of F(x) = x − step(h, θ); θ and h reach F only through the closure.
                return ImplicitDiff.<Tensor, Tensor>customRoot((x, unused) -> x.sub(step(kind, h, theta)),
                        (init, unused) -> step(kind, h.concrete(), theta.concrete()), ImplicitOptions.defaults())
                        .apply(Tensor.zeros(2), Tensor.zeros(1));
            }
            default:
                return step(kind, h, theta);
        }
    }

    private static Function<Tensor, Tensor> composition(List<Integer> kinds, List<Wrap> wraps) {
        return theta -> {
            Tensor h = Tensor.of(0.3, -0.4);
            for (int i = 0; i < kinds.size(); i++) {
                h = wrapped(wraps.get(i), kinds.get(i), h, theta);
            }
            return h.sum();
        };
    }

    @Provide
    Arbitrary<List<Integer>> kinds() {
        return Arbitraries.integers().between(0, 4).list().ofMinSize(1).ofMaxSize(4);
    }

    private static void assertClose(double[] expected, double[] actual, double rel, String what) {
        double scale = 1e-3;
        for (double v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], rel * scale, what + " entry " + i);
        }
    }

    @Property(tries = 25, seed = "20261205")
    void wrappedCompositionsHaveThePlainDerivatives(@ForAll("kinds") List<Integer> kinds,
                                                    @ForAll @IntRange(min = 0, max = 1 << 20) int seed) {
        Random r = new Random(seed);
        Wrap[] values = Wrap.values();
        List<Wrap> plainWraps = kinds.stream().map(k -> Wrap.PLAIN).toList();
        List<Wrap> wraps = kinds.stream().map(k -> values[r.nextInt(values.length)]).toList();
        Tensor theta = Tensor.of(0.5 + 0.5 * r.nextDouble(), -0.2 - 0.5 * r.nextDouble());
        Tensor dir = Tensor.of(r.nextGaussian(), r.nextGaussian());
        Function<Tensor, Tensor> plain = composition(kinds, plainWraps);
        Function<Tensor, Tensor> f = composition(kinds, wraps);
        String what = kinds + " " + wraps;

        assertEquals(plain.apply(theta).item(), f.apply(theta).item(), 1e-13, what + " value");
        assertClose(Autodiff.grad(plain).apply(theta).toArray(), Autodiff.grad(f).apply(theta).toArray(), 1e-10,
                what + " grad");
        assertEquals(Autodiff.jvp(plain, theta, dir).tangent().item(), Autodiff.jvp(f, theta, dir).tangent().item(),
                1e-10 * Math.max(1, Math.abs(Autodiff.jvp(plain, theta, dir).tangent().item())), what + " jvp");
        assertClose(Autodiff.hessian(plain).apply(theta).toArray(), Autodiff.hessian(f).apply(theta).toArray(), 1e-9,
                what + " hessian (forward over reverse)");
        assertClose(Autodiff.jacrev(Autodiff.grad(plain)).apply(theta).toArray(),
                Autodiff.jacrev(Autodiff.grad(f)).apply(theta).toArray(), 1e-9, what + " reverse over reverse");
        assertClose(Autodiff.jacfwd((Tensor t) -> Autodiff.jvp(plain, t, dir).tangent()).apply(theta).toArray(),
                Autodiff.jacfwd((Tensor t) -> Autodiff.jvp(f, t, dir).tangent()).apply(theta).toArray(), 1e-9,
                what + " forward over forward");
    }
}
