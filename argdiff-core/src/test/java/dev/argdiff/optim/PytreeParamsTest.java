package dev.argdiff.optim;

import dev.argdiff.solvers.OptimizerSolver;
import dev.argdiff.solvers.SolverResult;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** Parameters as a record, a list or a map give the same iterates as one flat vector. */
class PytreeParamsTest {

    record Params(Tensor w, Tensor b) {
    }

    private static final Tensor Q = Tensor.eye(7).mul(2.0).add(Tensor.randomUniform(3L, 7, 7).mul(0.2))
            .add(Tensor.randomUniform(3L, 7, 7).mul(0.2).transpose());
    private static final Tensor C = Tensor.randomNormal(5L, 7);

    /** A smooth objective of the 7 entries: a coupled quadratic plus Σ sin. */
    private static Tensor f(Tensor x, Tensor c) {
        Tensor d = x.sub(c);
        return d.dot(Q.matmul(d)).mul(0.5).add(x.sin().sum());
    }

    private static Tensor flat(Tensor w, Tensor b) {
        return Tensor.concatenate(List.of(w.reshape(4), b), 0);
    }

    private static final Tensor W0 = Tensor.of(new double[][]{{0.5, -1.0}, {2.0, 0.1}});
    private static final Tensor B0 = Tensor.of(-0.3, 0.8, 1.5);

    private static void check(GradientTransformation<?> opt) {
        int steps = 40;
        Tensor vec = OptimizerSolver.of(PytreeParamsTest::f, opt).maxiter(steps).tol(0).implicitDiff(false)
                .run(flat(W0, B0), C).params();

        SolverResult<Params, OptimizerSolver.State<Void>> rec = OptimizerSolver.of(
                (Params p, Tensor c) -> f(flat(p.w(), p.b()), c), opt).maxiter(steps).tol(0).implicitDiff(false)
                .run(new Params(W0, B0), C);
        assertArrayEquals(new int[]{2, 2}, rec.params().w().shape());
        assertArrayEquals(vec.toArray(), flat(rec.params().w(), rec.params().b()).toArray(), 1e-14, opt + ": record");

        List<Tensor> list = OptimizerSolver.of((List<Tensor> p, Tensor c) -> f(flat(p.get(0), p.get(1)), c), opt)
                .maxiter(steps).tol(0).implicitDiff(false).run(List.of(W0, B0), C).params();
        assertArrayEquals(vec.toArray(), flat(list.get(0), list.get(1)).toArray(), 1e-14, opt + ": list");

        Map<String, Tensor> map = OptimizerSolver.of(
                (Map<String, Tensor> p, Tensor c) -> f(flat(p.get("w"), p.get("b")), c), opt)
                .maxiter(steps).tol(0).implicitDiff(false).run(Map.of("w", W0, "b", B0), C).params();
        assertArrayEquals(vec.toArray(), flat(map.get("w"), map.get("b")).toArray(), 1e-14, opt + ": map");
    }

    @Test
    void adam() {
        check(Optimizers.adam(0.05));
    }

    @Test
    void momentumAndNesterov() {
        check(Optimizers.momentum(0.05, 0.9));
        check(Optimizers.sgd(0.05, 0.9, true));
    }

    @Test
    void adamwAndClipping() {
        check(Optimizers.adamw(0.05, 0.9, 0.999, 1e-8, 0.0, 0.1));
        check(GradientTransformation.chain(Transforms.clipByGlobalNorm(0.5), Optimizers.sgd(0.1)));
    }

    @Test
    void stateIsShapedLikeTheParams() {
        Chain opt = Optimizers.adam(0.1);
        Params p = new Params(W0, B0);
        Chain.State s = opt.init(p);
        ScaleByAdam.State adam = (ScaleByAdam.State) s.get(0);
        Params mu = assertInstanceOf(Params.class, adam.mu());
        assertArrayEquals(new int[]{2, 2}, mu.w().shape());
        assertEquals(0.0, mu.b().squaredNorm().item());
    }
}
