package dev.argdiff.implicit;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.implicit.RidgeFixtures.Args;
import dev.argdiff.implicit.RidgeFixtures.Split;
import dev.argdiff.tensor.Tensor;
import dev.argdiff.testing.PlainLinearAlgebra;
import org.junit.jupiter.api.Test;

import java.util.function.BiFunction;
import java.util.function.Function;

import static dev.argdiff.implicit.RidgeFixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ImplicitDiff#customRootWithAux} and {@link ImplicitDiff#customFixedPointWithAux}: the
 * solution gets the implicit derivative, the auxiliary data (a record holding a tensor and an
 * int) comes back unchanged and gets a zero derivative in every mode.
 */
class CustomRootWithAuxTest {
    private static final double L2REG = 0.3;
    private static final double GRAD_TOL = 1e-13;

    /** What the solver reports besides its solution. */
    record Stats(Tensor gradientNorm, int iterations) {
    }

    private final Split data = RidgeFixtures.small(42);
    private final ClosedFormRidge cf = data.closedForm();
    private final Args args = new Args(Tensor.scalar(L2REG), data.xTrain(), data.yTrain(), "aux");
    private final double eta = 1.0 / RidgeFixtures.largestEigenvalue(data, L2REG);
    private final ImplicitOptions options = ImplicitOptions.defaults().withSymmetric(true);

    /** Gradient descent with step 1/L until ‖∇f‖ ≤ 1e-13, reporting the final gradient norm and the iteration count. */
    private final BiFunction<Tensor, Args, WithAux<Tensor, Stats>> solver = (init, a) -> {
        Tensor w = init;
        for (int k = 0; k < 100_000; k++) {
            Tensor g = RidgeFixtures.optimality(w, a);
            double gn = g.norm().item();
            if (gn <= GRAD_TOL) {
                return new WithAux<>(w, new Stats(Tensor.scalar(gn), k));
            }
            w = w.sub(g.mul(eta));
        }
        throw new AssertionError("gradient descent did not converge");
    };

    private final BiFunction<Tensor, Args, WithAux<Tensor, Stats>> decorated =
            ImplicitDiff.customRootWithAux(RidgeFixtures::optimality, solver, options);

    private static Tensor init() {
        return Tensor.zeros(3);
    }

    @Test
    void auxComesBackUnchanged() {
        WithAux<Tensor, Stats> raw = solver.apply(init(), args);
        WithAux<Tensor, Stats> out = decorated.apply(init(), args);
        assertTrue(raw.aux().iterations() > 10, "the solver iterated: " + raw.aux().iterations());
        assertEquals(raw.aux().iterations(), out.aux().iterations());
        assertEquals(raw.aux().gradientNorm(), out.aux().gradientNorm());
        assertArrayEquals(raw.solution().toArray(), out.solution().toArray());
        assertClose(cf.solution(L2REG), out.solution().toArray(), 1e-10, "w*");
    }

    @Test
    void jvpGivesTheImplicitTangentAndAZeroAuxTangent() {
        Autodiff.JvpResult<WithAux<Tensor, Stats>> r = Autodiff.jvp((Args a) -> decorated.apply(init(), a), args,
                new Args(Tensor.scalar(1.0), Tensor.zeros(10, 3), Tensor.zeros(10), "aux"));
        WithAux<Tensor, Stats> raw = solver.apply(init(), args);
        assertEquals(raw.aux().iterations(), r.value().aux().iterations());
        assertEquals(raw.aux().gradientNorm(), r.value().aux().gradientNorm());
        assertClose(cf.dwDl2reg(L2REG), r.tangent().solution().toArray(), 1e-10, "dw*/dl2reg by jvp");
        assertEquals(0.0, r.tangent().aux().gradientNorm().item(), "aux tangent must be exactly zero");
        assertEquals(raw.aux().iterations(), r.tangent().aux().iterations(), "static aux leaf carried in the tangent");
    }

    @Test
    void vjpIgnoresTheAuxCotangent() {
        Autodiff.VjpResult<Args, WithAux<Tensor, Stats>> r = Autodiff.vjp((Args a) -> decorated.apply(init(), a), args);
        Tensor w = Tensor.of(1.0, -2.0, 0.5);
        Args withAuxCotangent = r.pullback().apply(new WithAux<>(w, new Stats(Tensor.scalar(123.0), 0)));
        Args withoutAuxCotangent = r.pullback().apply(new WithAux<>(w, new Stats(Tensor.scalar(0.0), 0)));
        assertEquals(withoutAuxCotangent.l2reg(), withAuxCotangent.l2reg());
        assertEquals(withoutAuxCotangent.x(), withAuxCotangent.x());
        assertEquals(withoutAuxCotangent.y(), withAuxCotangent.y());
        assertEquals("aux", withAuxCotangent.tag());
        assertClose(PlainLinearAlgebra.dot(cf.dwDl2reg(L2REG), w.toArray()), withAuxCotangent.l2reg().item(), 1e-10,
                "wᵀ dw*/dl2reg");
    }

    @Test
    void gradOfALossUsingTheAuxEqualsGradWithoutIt() {
        Function<Args, Tensor> withAux = a -> {
            WithAux<Tensor, Stats> out = decorated.apply(init(), a);
            return out.solution().sum().add(out.aux().gradientNorm().mul(1e6)).add(out.aux().iterations());
        };
        Function<Args, Tensor> withoutAux = a -> decorated.apply(init(), a).solution().sum();
        Args g1 = Autodiff.grad(withAux).apply(args);
        Args g2 = Autodiff.grad(withoutAux).apply(args);
        assertEquals(g2.l2reg(), g1.l2reg());
        assertEquals(g2.x(), g1.x());
        assertEquals(g2.y(), g1.y());
        double expected = 0;
        for (double v : cf.dwDl2reg(L2REG)) {
            expected += v;
        }
        assertClose(expected, g1.l2reg().item(), 1e-10, "d sum(w*)/d l2reg");
    }

    @Test
    void jacrevAndJacfwdOfTheSolutionEqualClosedForm() {
        Function<Tensor, Tensor> w = l -> decorated.apply(init(), args.withL2reg(l)).solution();
        assertClose(cf.dwDl2reg(L2REG), Autodiff.jacrev(w).apply(Tensor.scalar(L2REG)).toArray(), 1e-10, "jacrev");
        assertClose(cf.dwDl2reg(L2REG), Autodiff.jacfwd(w).apply(Tensor.scalar(L2REG)).toArray(), 1e-10, "jacfwd");
        Function<Tensor, Tensor> y = yy -> decorated.apply(init(), args.withY(yy)).solution();
        assertClose(PlainLinearAlgebra.flatten(cf.dwDy(L2REG)), Autodiff.jacrev(y).apply(data.yTrain()).toArray(), 1e-10, 1e-14,
                "jacrev wrt y");
    }

    @Test
    void customFixedPointWithAuxDifferentiatesTheSolutionOnly() {
        BiFunction<Tensor, Args, Tensor> step = (w, a) -> w.sub(RidgeFixtures.optimality(w, a).mul(eta));
        BiFunction<Tensor, Args, WithAux<Tensor, Stats>> fp = ImplicitDiff.customFixedPointWithAux(step, solver,
                ImplicitOptions.defaults());
        WithAux<Tensor, Stats> raw = solver.apply(init(), args);
        Autodiff.JvpResult<WithAux<Tensor, Stats>> r = Autodiff.jvp((Tensor l) -> fp.apply(init(), args.withL2reg(l)),
                Tensor.scalar(L2REG), Tensor.scalar(1.0));
        assertEquals(raw.aux().iterations(), r.value().aux().iterations());
        assertEquals(raw.aux().gradientNorm(), r.value().aux().gradientNorm());
        assertEquals(0.0, r.tangent().aux().gradientNorm().item());
        assertClose(cf.dwDl2reg(L2REG), r.tangent().solution().toArray(), 1e-10, "fixed point jvp");
        Tensor jr = Autodiff.jacrev((Tensor l) -> fp.apply(init(), args.withL2reg(l)).solution()).apply(Tensor.scalar(L2REG));
        assertClose(cf.dwDl2reg(L2REG), jr.toArray(), 1e-10, "fixed point jacrev");
    }
}
