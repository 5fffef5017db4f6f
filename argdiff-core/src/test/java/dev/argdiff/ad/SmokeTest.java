package dev.argdiff.ad;

import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SmokeTest {
    @Test
    void basics() {
        Function<Tensor, Tensor> f = x -> x.square().sum().mul(0.5);
        Tensor x = Tensor.of(1, 2, 3);
        System.out.println(Autodiff.grad(f).apply(x));
        System.out.println(Autodiff.hessian(f).apply(x));
        Function<Tensor, Tensor> g = x2 -> x2.exp().sum();
        System.out.println(Autodiff.grad(Autodiff.grad(g).andThen(Tensor::sum)).apply(x));
        // perturbation confusion: d/dx [x * d/dy (x + y)] at y=... = 1
        Function<Tensor, Tensor> outer = xx -> {
            Tensor inner = Autodiff.grad((Tensor y) -> xx.add(y)).apply(Tensor.scalar(2.0));
            return xx.mul(inner);
        };
        assertEquals(1.0, Autodiff.grad(outer).apply(Tensor.scalar(3.0)).item(), 0.0);
        GradCheck.checkGrads((Tensor z) -> z.matmul(z.reshape(3, 1)).tanh().exp(), x, 3);
    }
}
