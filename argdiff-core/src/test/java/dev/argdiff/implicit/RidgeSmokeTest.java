package dev.argdiff.implicit;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.linalg.LinearOperator;
import dev.argdiff.linalg.LinearSolve;
import dev.argdiff.linalg.LinearSolver;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;

class RidgeSmokeTest {
    record Args(Tensor l2reg, Tensor x, Tensor y) {}

    @Test
    void ridge() throws Exception {
        List<double[]> tr = new ArrayList<>(), va = new ArrayList<>();
        List<String> lines = Files.readAllLines(Path.of("/work/shared/data/diabetes_split.csv"));
        for (String l : lines.subList(1, lines.size())) {
            String[] p = l.split(",");
            double[] r = new double[p.length - 1];
            for (int i = 1; i < p.length; i++) r[i - 1] = Double.parseDouble(p[i]);
            (p[0].equals("0") ? tr : va).add(r);
        }
        Tensor xtr = Tensor.of(tr.stream().map(r -> java.util.Arrays.copyOfRange(r, 1, r.length)).toArray(double[][]::new));
        Tensor ytr = Tensor.of(tr.stream().mapToDouble(r -> r[0]).toArray());
        Tensor xva = Tensor.of(va.stream().map(r -> java.util.Arrays.copyOfRange(r, 1, r.length)).toArray(double[][]::new));
        Tensor yva = Tensor.of(va.stream().mapToDouble(r -> r[0]).toArray());
        BiFunction<Tensor, Args, Tensor> objGrad = (w, a) -> Autodiff.grad((Tensor ww) ->
                a.x().matmul(ww).sub(a.y()).square().mean().mul(0.5).add(a.l2reg().mul(0.5).mul(ww.squaredNorm()))).apply(w);
        BiFunction<Tensor, Args, Tensor> solver = (init, a) -> {
            int n = a.x().dim(0);
            Tensor h = a.x().transposeMatmul(a.x()).div(n).add(Tensor.eye(a.x().dim(1)).mul(a.l2reg()));
            return LinearSolve.solve(LinearOperator.fromMatrix(h), a.x().transposeMatmul(a.y()).div(n), LinearSolver.lu());
        };
        BiFunction<Tensor, Args, Tensor> sol = ImplicitDiff.customRoot(objGrad, solver, ImplicitOptions.defaults().withSymmetric(true));
        Function<Tensor, Tensor> val = theta -> {
            Tensor w = sol.apply(Tensor.zeros(10), new Args(theta.exp(), xtr, ytr));
            return xva.matmul(w).sub(yva).square().mean();
        };
        System.out.println(val.apply(Tensor.scalar(1.0)) + " grad " + Autodiff.grad(val).apply(Tensor.scalar(1.0)));
        System.out.println("jvp " + Autodiff.jvp(val, Tensor.scalar(1.0), Tensor.scalar(1.0)).tangent());
        System.out.println("hess " + Autodiff.hessian(val).apply(Tensor.scalar(1.0)));
        double e = 1e-4;
        double g1 = Autodiff.grad(val).apply(Tensor.scalar(1.0 + e)).item(), g0 = Autodiff.grad(val).apply(Tensor.scalar(1.0 - e)).item();
        System.out.println("fd hess " + (g1 - g0) / (2 * e));
        System.out.println("dw/dl2 " + Autodiff.jacfwd((Tensor l) -> sol.apply(Tensor.zeros(10), new Args(l, xtr, ytr))).apply(Tensor.scalar(Math.E)));
    }
}
