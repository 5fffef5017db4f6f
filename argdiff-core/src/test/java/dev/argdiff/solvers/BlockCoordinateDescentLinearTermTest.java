package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.projection.Projection;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code compositeLinear} with a linear term ⟨x, b⟩: the same solution as the general path on the
 * whole objective and as projected gradient, and an implicit derivative in b that matches central
 * differences of re-solved problems.
 */
class BlockCoordinateDescentLinearTermTest {

    /** min ½‖A x − c‖²/n + ⟨x, b⟩ over x with rows in the simplex. */
    record Problem(Tensor a, Tensor c, Tensor b) {
    }

    private static final int N = 12;
    private static final int P = 7;
    private static final int K = 3;
    private static final Problem PROBLEM = new Problem(Tensor.randomNormal(1, N, P), Tensor.randomNormal(2, N, K),
            Tensor.randomNormal(3, P, K).mul(0.3));

    private static Tensor loss(Tensor z, Problem p) {
        return z.sub(p.c()).squaredNorm().div(2.0 * N);
    }

    private static Tensor objective(Tensor x, Problem p) {
        return loss(p.a().matmul(x), p).add(x.vdot(p.b()));
    }

    private static BlockCoordinateDescent<Problem> withLinearTerm() {
        return BlockCoordinateDescent.<Problem>compositeLinear(Problem::a, BlockCoordinateDescentLinearTermTest::loss,
                1.0 / N, Problem::b, (row, p, s) -> Projection.simplex(row, 1.0)).maxiter(5000).tol(1e-12);
    }

    @Test
    void solutionMatchesTheGeneralPathAndProjectedGradient() {
        Tensor start = Tensor.full(1.0 / K, P, K);
        SolverResult<Tensor, BlockCoordinateDescent.State> fast = withLinearTerm().run(start, PROBLEM);
        assertTrue(fast.converged(), fast.status() + " " + fast.error());
        SolverResult<Tensor, BlockCoordinateDescent.State> general = BlockCoordinateDescent.<Problem>of(
                BlockCoordinateDescentLinearTermTest::objective, (row, p, s) -> Projection.simplex(row, 1.0))
                .maxiter(5000).tol(1e-12).run(start, PROBLEM);
        assertTrue(general.converged(), general.status() + " " + general.error());
        var pg = ProjectedGradient.<Tensor, Problem>of(BlockCoordinateDescentLinearTermTest::objective,
                (x, p) -> Projection.simplex(x, Tensor.scalar(1.0), 1)).maxiter(20000).tol(1e-12).run(start, PROBLEM);
        assertTrue(pg.converged(), pg.status() + " " + pg.error());
        double[] f = fast.params().toArray();
        double[] g = general.params().toArray();
        double[] q = pg.params().toArray();
        for (int i = 0; i < f.length; i++) {
            assertEquals(g[i], f[i], 1e-9, "entry " + i + " vs the general path");
            assertEquals(q[i], f[i], 1e-9, "entry " + i + " vs projected gradient");
        }
        // Without the linear term the solution differs: the term is not ignored.
        Tensor plain = BlockCoordinateDescent.<Problem>compositeLinear(Problem::a,
                BlockCoordinateDescentLinearTermTest::loss, 1.0 / N, (row, p, s) -> Projection.simplex(row, 1.0))
                .maxiter(5000).tol(1e-12).run(start, PROBLEM).params();
        assertTrue(plain.sub(fast.params()).abs().max().item() > 1e-3);
    }

    @Test
    void implicitDerivativeInTheLinearTermMatchesCentralDifferences() {
        Tensor start = Tensor.full(1.0 / K, P, K);
        Tensor weights = Tensor.randomNormal(9, P, K);
        BlockCoordinateDescent<Problem> solver = withLinearTerm();
        java.util.function.Function<Tensor, Tensor> value = b -> solver.run(start,
                new Problem(PROBLEM.a(), PROBLEM.c(), b)).params().vdot(weights);
        double[] grad = Autodiff.grad(value).apply(PROBLEM.b()).toArray();
        double[] b = PROBLEM.b().toArray();
        double h = 1e-6;
        for (int i = 0; i < b.length; i++) {
            double[] plus = b.clone();
            double[] minus = b.clone();
            plus[i] += h;
            minus[i] -= h;
            double fd = (value.apply(Tensor.of(new int[] {P, K}, plus)).item()
                    - value.apply(Tensor.of(new int[] {P, K}, minus)).item()) / (2 * h);
            assertEquals(fd, grad[i], 1e-6, "d/d b[" + i + "]");
        }
    }

    @Test
    void aLinearTermOfTheWrongShapeIsRefused() {
        var solver = BlockCoordinateDescent.<Problem>compositeLinear(Problem::a,
                BlockCoordinateDescentLinearTermTest::loss, 1.0 / N, p -> Tensor.zeros(P, K + 1),
                (row, p, s) -> Projection.simplex(row, 1.0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> solver.run(Tensor.full(1.0 / K, P, K), PROBLEM));
        assertTrue(e.getMessage().contains("linear term b must have the shape of the parameters [7, 3], got [7, 4]"),
                e.getMessage());
    }
}
