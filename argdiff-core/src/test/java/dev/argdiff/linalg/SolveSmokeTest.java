package dev.argdiff.linalg;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.GradCheck;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Function;

class SolveSmokeTest {
    @Test
    void gradThroughSolve() {
        Tensor m = Tensor.randomNormal(1, 5, 5);
        Tensor spd = m.transposeMatmul(m).add(Tensor.eye(5));
        Tensor b = Tensor.randomNormal(2, 5);
        for (LinearSolver s : List.of(LinearSolver.lu(), LinearSolver.cg(), LinearSolver.gmres(), LinearSolver.cholesky())) {
            Function<List<Tensor>, Tensor> f = in -> LinearSolve.solve(
                    LinearOperator.fromMatrix(in.get(0).add(in.get(0).transpose()).mul(0.5)).withTags(Tag.SYMMETRIC, Tag.POSITIVE_DEFINITE), in.get(1), s).tanh();
            GradCheck.checkGrads(f, List.of(spd, b), 2, new GradCheck.Options(1e-5, 1e-5, 1e-7, 3));
        }
        System.out.println(Autodiff.grad((Tensor bb) -> LinearSolve.solve(LinearOperator.fromMatrix(spd), bb).sum()).apply(b));
    }
}
