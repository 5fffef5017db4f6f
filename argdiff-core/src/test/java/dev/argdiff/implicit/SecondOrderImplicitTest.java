package dev.argdiff.implicit;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.implicit.RidgeFixtures.Split;
import dev.argdiff.linalg.LinearSolver;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.function.BiFunction;
import java.util.function.Function;

import static dev.argdiff.implicit.RidgeFixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The second derivative of the diabetes validation loss with respect to θ = log(l2reg) at θ = 1,
 * through {@link ImplicitDiff#customRoot}: forward-over-reverse ({@link Autodiff#hessian}),
 * reverse-over-reverse (grad of grad), forward-over-forward, and {@link Autodiff#hvp}, against
 * central differences of the gradient and against the closed form
 * d²L/dθ² = λ gᵀw′ + λ²(w′ᵀ∇²L w′ + gᵀw″) with w′ = −H⁻¹w, w″ = 2H⁻²w, λ = e^θ, computed on
 * plain arrays ({@link ClosedFormRidge}).
 */
class SecondOrderImplicitTest {
    private static final double THETA = 1.0;
    private static final double RTOL = 1e-6;

    private static Split data;
    private static double closedForm;
    private static double finiteDifference;

    /** The implicit linear solver used for the tangent and adjoint systems. */
    enum ImplicitSolver { AUTO, CG }

    @BeforeAll
    static void references() {
        data = RidgeFixtures.diabetes();
        closedForm = data.closedForm().d2LossDtheta2(THETA);
        // Central differences of the closed-form gradient: an independent check of the closed form itself.
        double h = 1e-4;
        ClosedFormRidge cf = data.closedForm();
        double fdClosed = (cf.dLossDtheta(THETA + h) - cf.dLossDtheta(THETA - h)) / (2 * h);
        assertClose(closedForm, fdClosed, 1e-6, "closed-form Hessian vs differences of the closed-form gradient");
        // Central differences of the implicit gradient (first order through customRoot).
        Function<Tensor, Tensor> g = Autodiff.grad(outer(ImplicitSolver.AUTO));
        double gp = g.apply(Tensor.of(THETA + h)).item();
        double gm = g.apply(Tensor.of(THETA - h)).item();
        finiteDifference = (gp - gm) / (2 * h);
    }

    /** θ (shape [1]) ↦ mean((X_val w*(e^θ) − y_val)²). */
    static Function<Tensor, Tensor> outer(ImplicitSolver s) {
        ImplicitOptions options = ImplicitOptions.defaults().withSymmetric(true);
        if (s == ImplicitSolver.CG) {
            options = options.withSolver(LinearSolver.cg().withRtol(1e-13));
        }
        BiFunction<Tensor, RidgeFixtures.Args, Tensor> sol = ImplicitDiff.customRoot(RidgeFixtures::optimality,
                RidgeFixtures.denseSolver(LinearSolver.lu()), options);
        return theta -> RidgeFixtures.validationLoss(sol.apply(Tensor.zeros(data.features()),
                data.args(theta.sum().exp())), data);
    }

    private static void assertMatches(double value, String how) {
        assertClose(closedForm, value, RTOL, how + " vs closed form");
        assertClose(finiteDifference, value, RTOL, how + " vs central differences of the gradient");
    }

    @ParameterizedTest
    @EnumSource(ImplicitSolver.class)
    void forwardOverReverseHessian(ImplicitSolver s) {
        Tensor h = Autodiff.hessian(outer(s)).apply(Tensor.of(THETA));
        assertArrayEquals(new int[] {1, 1}, h.shape());
        assertMatches(h.item(), s + " hessian (jacfwd of jacrev)");
    }

    @ParameterizedTest
    @EnumSource(ImplicitSolver.class)
    void reverseOverReverse(ImplicitSolver s) {
        Function<Tensor, Tensor> g = Autodiff.grad(outer(s));
        Tensor h = Autodiff.grad((Tensor t) -> g.apply(t).sum()).apply(Tensor.of(THETA));
        assertMatches(h.item(), s + " grad of grad");
        Tensor hj = Autodiff.jacrev(Autodiff.jacrev(outer(s))).apply(Tensor.of(THETA));
        assertMatches(hj.item(), s + " jacrev of jacrev");
    }

    @ParameterizedTest
    @EnumSource(ImplicitSolver.class)
    void forwardOverForwardAndReverseOverForward(ImplicitSolver s) {
        Tensor ff = Autodiff.jacfwd(Autodiff.jacfwd(outer(s))).apply(Tensor.of(THETA));
        assertMatches(ff.item(), s + " jacfwd of jacfwd");
        Tensor rf = Autodiff.jacrev(Autodiff.jacfwd(outer(s))).apply(Tensor.of(THETA));
        assertMatches(rf.item(), s + " jacrev of jacfwd");
    }

    @ParameterizedTest
    @EnumSource(ImplicitSolver.class)
    void hessianVectorProduct(ImplicitSolver s) {
        Tensor hv = Autodiff.hvp(outer(s), Tensor.of(THETA), Tensor.of(2.0));
        assertMatches(hv.item() / 2.0, s + " hvp");
    }
}
