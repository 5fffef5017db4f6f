package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.data.SyntheticLasso;
import dev.argdiff.implicit.ImplicitOptions;
import dev.argdiff.prox.Prox;
import dev.argdiff.tensor.Tensor;
import dev.argdiff.testing.Reference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * ProximalGradient on the benchmark's synthetic lasso problems (bit-exact data), 200 FISTA
 * iterations from 0, against lasso_synthetic.json: the support size and Σw² of JAXopt's solver,
 * dΣw²/dλ by JAXopt's implicit differentiation and by PyTorch unrolled. The file says the two
 * implementations agree to about 1e-8 relative, the problems being not exactly converged, so
 * that is the tolerance. (The largest size runs in the benchmark, `argdiff bench lasso`.)
 */
class LassoReferenceTest {

    record Args(Tensor lam, Tensor a, Tensor b) {
    }

    private static final double RTOL = 2e-8;

    @ParameterizedTest
    @ValueSource(strings = {"200x50", "1000x200"})
    void matchesJaxoptAndPytorch(String size) {
        Reference.Lasso ref = Reference.lassoSynthetic().get(size);
        SyntheticLasso data = ref.data();
        int p = ref.cols();
        ProximalGradient<Tensor, Args> implicit = ProximalGradient.<Tensor, Args>of(
                        (w, a) -> a.a().matmul(w).sub(a.b()).square().mean().mul(0.5),
                        (x, a, s) -> Prox.lasso(x, a.lam(), s))
                .maxiter(200).tol(0.0).implicitOptions(ImplicitOptions.defaults().withOptimalityTolerance(1e-6));
        Tensor lam = Tensor.scalar(data.lambda());
        Tensor w = implicit.run(Tensor.zeros(p), new Args(lam, data.a(), data.b())).params();
        int nnz = 0;
        for (double v : w.toArray()) {
            nnz += v != 0 ? 1 : 0;
        }
        assertEquals(ref.nnz(), nnz, "support size");
        assertEquals(ref.sumsqW(), w.squaredNorm().item(), RTOL * ref.sumsqW(), "sum w^2");

        Function<ProximalGradient<Tensor, Args>, Double> hypergradient = solver -> Autodiff.grad((Tensor l) ->
                solver.run(Tensor.zeros(p), new Args(l, data.a(), data.b())).params().squaredNorm()).apply(lam).item();
        double gImplicit = hypergradient.apply(implicit);
        double gUnrolled = hypergradient.apply(implicit.implicitDiff(false));
        assertEquals(ref.dsumsqDlamImplicitJaxopt(), gImplicit, RTOL * Math.abs(ref.dsumsqDlamImplicitJaxopt()),
                "implicit vs JAXopt");
        assertEquals(ref.dsumsqDlamUnrolledPytorch(), gUnrolled, RTOL * Math.abs(ref.dsumsqDlamUnrolledPytorch()),
                "unrolled vs PyTorch");
    }
}
