package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.data.SyntheticLasso;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.function.Function;

class LassoSmokeTest {
    record Args(Tensor lam, Tensor a, Tensor b) {}

    @Test
    void lasso() {
        SyntheticLasso p = SyntheticLasso.generate(200, 50);
        System.out.println("lam " + p.lambda());
        for (boolean implicit : new boolean[] {true, false}) {
            ProximalGradient<Tensor, Args> pg = ProximalGradient.<Tensor, Args>of(
                    (w, a) -> a.a().matmul(w).sub(a.b()).square().mean().mul(0.5),
                    (x, a, s) -> x.sign().mul(x.abs().sub(a.lam().mul(s)).relu())).maxiter(200).tol(0).implicitDiff(implicit)
                    .implicitOptions(dev.argdiff.implicit.ImplicitOptions.defaults().withOptimalityTolerance(1e-6));
            Function<Tensor, Tensor> f = lam -> pg.run(Tensor.zeros(50), new Args(lam, p.a(), p.b())).params().squaredNorm();
            long t0 = System.nanoTime();
            SolverResult<Tensor, ProximalGradient.State<Tensor>> r = pg.run(Tensor.zeros(50), new Args(Tensor.scalar(p.lambda()), p.a(), p.b()));
            long t1 = System.nanoTime();
            Tensor g = Autodiff.grad(f).apply(Tensor.scalar(p.lambda()));
            long t2 = System.nanoTime();
            int nnz = 0;
            for (double v : r.params().toArray()) nnz += v != 0 ? 1 : 0;
            System.out.printf("implicit=%s nnz=%d sumsq=%.15g err=%.3g grad=%.12g  solve %.1f ms, grad %.1f ms%n", implicit, nnz,
                    r.params().squaredNorm().item(), r.error(), g.item(), (t1 - t0) / 1e6, (t2 - t1) / 1e6);
        }
    }
}
