package dev.argdiff.optim;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.solvers.OptimizerSolver;
import dev.argdiff.solvers.ProgressListener;
import dev.argdiff.solvers.SolverResult;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** The smaller transformations, chains, state immutability, and the solver's aux and listener. */
class TransformsTest {

    @Test
    void clipByGlobalNormMatchesOptax() {
        ClipByGlobalNorm clip = Transforms.clipByGlobalNorm(1.0);
        List<Tensor> g = List.of(Tensor.of(3.0, 0.0), Tensor.of(4.0)); // global norm 5
        List<Tensor> u = clip.update(g, clip.init(g), null).updates();
        assertArrayEquals(new double[]{3.0 / 5.0, 0.0}, u.get(0).toArray(), 1e-15);
        assertArrayEquals(new double[]{4.0 / 5.0}, u.get(1).toArray(), 1e-15);
        // Below the threshold (and at zero) the updates pass unchanged.
        List<Tensor> small = List.of(Tensor.of(0.3, 0.0), Tensor.of(0.4));
        assertEquals(small, clip.update(small, EmptyState.INSTANCE, null).updates());
        List<Tensor> zero = List.of(Tensor.zeros(2), Tensor.zeros(1));
        assertEquals(zero, clip.update(zero, EmptyState.INSTANCE, null).updates());
    }

    @Test
    void clipDerivativeIsFiniteAtZero() {
        ClipByGlobalNorm clip = Transforms.clipByGlobalNorm(1.0);
        Tensor g = Autodiff.grad((Tensor x) -> clip.update(x, EmptyState.INSTANCE, null).updates().sum())
                .apply(Tensor.zeros(3));
        assertArrayEquals(new double[]{1, 1, 1}, g.toArray(), 0.0);
        // Above the threshold u = x/‖x‖: d Σu / dx = (1 − u Σu) / ‖x‖, computed by hand.
        Tensor x0 = Tensor.of(3.0, 4.0);
        double[] gc = Autodiff.grad((Tensor x) -> clip.update(x, EmptyState.INSTANCE, null).updates().sum())
                .apply(x0).toArray();
        double s = (3.0 + 4.0) / 5.0;
        assertEquals((1 - 0.6 * s) / 5.0, gc[0], 1e-15);
        assertEquals((1 - 0.8 * s) / 5.0, gc[1], 1e-15);
    }

    @Test
    void adamwAddsDecayAfterAdamScaling() {
        // One AdamW step: u = −lr (g/(|g| + eps) + wd·x) (bias correction at t = 1).
        double lr = 0.1;
        double wd = 0.05;
        Chain opt = Optimizers.adamw(lr, 0.9, 0.999, 1e-8, 0.0, wd);
        Tensor x = Tensor.of(2.0, -1.0);
        Tensor g = Tensor.of(0.5, 0.25);
        double[] u = opt.update(g, opt.init(x), x).updates().toArray();
        assertEquals(-lr * (0.5 / (0.5 + 1e-8) + wd * 2.0), u[0], 1e-15);
        assertEquals(-lr * (0.25 / (0.25 + 1e-8) + wd * -1.0), u[1], 1e-15);
        assertEquals(1e-4, ((AddDecayedWeights) Optimizers.adamw(lr).transforms().get(1)).weightDecay());
    }

    @Test
    void defaultsAreOptaxDefaults() {
        ScaleByAdam adam = (ScaleByAdam) Optimizers.adam(0.1).transforms().get(0);
        assertEquals(0.9, adam.b1());
        assertEquals(0.999, adam.b2());
        assertEquals(1e-8, adam.eps());
        assertEquals(0.0, adam.epsRoot());
        assertEquals("chain(scaleByAdam(b1=0.9, b2=0.999, eps=1.0E-8, epsRoot=0.0), scale(-0.1))",
                Optimizers.adam(0.1).toString());
        assertEquals("chain(identity, scale(-0.1))", Optimizers.sgd(0.1).toString());
        assertEquals("chain(trace(decay=0.9, nesterov=true), scale(-0.1))", Optimizers.sgd(0.1, 0.9, true).toString());
    }

    @Test
    void chainComposesInOrderAndEmptyChainIsIdentity() {
        Tensor x = Tensor.of(1.0, -2.0);
        Tensor g = Tensor.of(0.5, 1.5);
        // scale(2) then add 0.1·x  vs  add 0.1·x then scale(2).
        Chain a = GradientTransformation.chain(Transforms.scale(2.0), Transforms.addDecayedWeights(0.1));
        Chain b = GradientTransformation.chain(Transforms.addDecayedWeights(0.1), Transforms.scale(2.0));
        assertArrayEquals(new double[]{1.1, 2.8}, a.update(g, a.init(x), x).updates().toArray(), 1e-15);
        assertArrayEquals(new double[]{1.2, 2.6}, b.update(g, b.init(x), x).updates().toArray(), 1e-15);
        Chain empty = GradientTransformation.chain();
        assertSame(g, empty.update(g, empty.init(x), x).updates());
        Stateless square = Transforms.stateless((u, p) -> u.mul(p));
        assertArrayEquals(new double[]{0.5, -3.0}, square.update(g, square.init(x), x).updates().toArray(), 0.0);
    }

    @Test
    void updateIsPure() {
        Chain opt = Optimizers.adam(0.1);
        Tensor x = Tensor.of(1.0, 2.0);
        Chain.State s0 = opt.init(x);
        GradientTransformation.Update<Tensor, Chain.State> first = opt.update(Tensor.of(0.3, -0.2), s0, x);
        GradientTransformation.Update<Tensor, Chain.State> again = opt.update(Tensor.of(0.3, -0.2), s0, x);
        assertEquals(first, again);
        assertEquals(opt.init(x), s0);
        assertEquals(0, ((ScaleByAdam.State) s0.get(0)).count());
        assertEquals(1, ((ScaleByAdam.State) first.state().get(0)).count());
    }

    @Test
    void stateIsAPytree() {
        // States flatten and rebuild like any tree: tensors are leaves, counters are static.
        Chain opt = Optimizers.sgd(0.1, 0.9, false);
        List<Tensor> x = List.of(Tensor.of(1.0, 2.0), Tensor.of(3.0));
        Chain.State s = opt.update(x, opt.init(x), x).state();
        dev.argdiff.ad.Pytree.Flat flat = dev.argdiff.ad.Pytree.flatten(s);
        assertEquals(2, flat.leaves().size());
        assertEquals(s, flat.def().unflatten(flat.leaves()));
        Chain adam = Optimizers.adam(0.1);
        Chain.State a = adam.update(x, adam.init(x), x).state();
        dev.argdiff.ad.Pytree.Flat af = dev.argdiff.ad.Pytree.flatten(a);
        assertEquals(4, af.leaves().size());
        assertEquals(a, af.def().unflatten(af.leaves()));
    }

    record Fit(Tensor residual, double scale) {
    }

    @Test
    void solverKeepsAuxAndCallsTheListener() {
        // Least squares in one variable: minimize ½ (x − 3)², aux = the residual (and a static field).
        OptimizerSolver<Tensor, Tensor, Fit> solver = OptimizerSolver.withAux(
                (Tensor x, Tensor target) -> {
                    Tensor r = x.sub(target);
                    return new Autodiff.Aux<>(r.square().mul(0.5), new Fit(r, 2.0));
                }, Optimizers.sgd(0.5));
        List<double[]> calls = new ArrayList<>();
        // Heard after each step: the state holds the value at the step's start, params the new point.
        double[] start = {1.0};
        OptimizerSolver<Tensor, Tensor, Fit> listened = solver.maxiter(3).tol(0).implicitDiff(false).listener(
                ProgressListener.<Tensor, OptimizerSolver.State<Fit>>onSteps((params, s) -> {
                    calls.add(new double[]{s.iterations() - 1, s.value().item(), start[0]});
                    start[0] = params.item();
                }));

        OptimizerSolver.State<Fit> s0 = listened.init(Tensor.scalar(1.0), Tensor.scalar(3.0));
        assertEquals(0, s0.iterations());
        assertEquals(Double.POSITIVE_INFINITY, s0.value().item());
        assertNull(s0.aux());

        SolverResult<Tensor, OptimizerSolver.State<Fit>> out = listened.run(Tensor.scalar(1.0), Tensor.scalar(3.0));
        // x_k = 3 − 2·0.5^k: 1, 2, 2.5, 2.75.
        assertEquals(2.75, out.params().item(), 1e-15);
        assertEquals(3, out.state().iterations());
        assertEquals(-0.5, out.state().aux().residual().item(), 1e-15); // at x_2 = 2.5
        assertEquals(2.0, out.state().aux().scale());
        assertEquals(0.125, out.state().value().item(), 1e-15);
        assertEquals(0.5, out.state().gradNorm().item(), 1e-15);
        assertEquals(3, calls.size());
        double[] xs = {1.0, 2.0, 2.5};
        for (int k = 0; k < 3; k++) {
            assertArrayEquals(new double[]{k, 0.5 * (xs[k] - 3) * (xs[k] - 3), xs[k]}, calls.get(k), 1e-15);
        }
        // The original solver has no listener; one step goes to x_1 = 2 (maxiter >= 1 in every solver).
        solver.maxiter(2).tol(0).implicitDiff(false).run(Tensor.scalar(1.0), Tensor.scalar(3.0));
        assertEquals(3, calls.size());
        assertEquals(2.0, solver.maxiter(1).implicitDiff(false).run(Tensor.scalar(1.0), Tensor.scalar(3.0))
                .params().item());
    }
}
