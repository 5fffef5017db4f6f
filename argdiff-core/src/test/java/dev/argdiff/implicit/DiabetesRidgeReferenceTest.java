package dev.argdiff.implicit;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.implicit.RidgeFixtures.Args;
import dev.argdiff.implicit.RidgeFixtures.Split;
import dev.argdiff.linalg.LinearSolver;
import dev.argdiff.tensor.Tensor;
import dev.argdiff.testing.Reference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;

import static dev.argdiff.implicit.RidgeFixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The diabetes ridge problem of {@code ridge_diabetes.json} (values from a dense float64 solve
 * by independent software): w*, the derivative ∂w*(l2reg) and the validation-loss gradient at θ = 1 through
 * {@link ImplicitDiff#customRoot} around dense and CG solvers and through
 * {@link ImplicitDiff#customFixedPoint} around a gradient-step fixed-point iteration.
 */
class DiabetesRidgeReferenceTest {
    private static final double RTOL = 1e-8;

    private static Split data;
    private static Reference.Ridge ref;
    private static double eta;

    /** How the decorated solver is built. */
    enum Variant {
        /** customRoot around LinearSolve with LU; default (auto, here Cholesky) adjoint solves. */
        ROOT_DENSE_LU,
        /** customRoot around LinearSolve with Cholesky; LU for the implicit solves. */
        ROOT_DENSE_CHOLESKY,
        /** customRoot around a matrix-free CG solve; CG for the implicit solves too. */
        ROOT_CG,
        /** customFixedPoint of T(w) = w − η∇f(w) around iterating T to convergence. */
        FIXED_POINT
    }

    @BeforeAll
    static void load() {
        data = RidgeFixtures.diabetes();
        ref = Reference.ridgeDiabetes();
        assertEquals(1.0, ref.theta());
        assertEquals(Math.E, ref.l2reg(), 1e-15);
        // η = 1/L < 2/L with L the largest eigenvalue of the inner Hessian at the reference l2reg.
        eta = 1.0 / RidgeFixtures.largestEigenvalue(data, ref.l2reg());
    }

    /** T(w) = w − η∇f(w). */
    static Tensor gradientStep(Tensor w, Args a) {
        return w.sub(RidgeFixtures.optimality(w, a).mul(eta));
    }

    /** Iterates T until ‖T(w) − w‖ ≤ 1e-15·max(1, ‖w‖). */
    static Tensor iterateToFixedPoint(Tensor init, Args a) {
        Tensor w = init;
        for (int k = 0; k < 10_000; k++) {
            Tensor next = gradientStep(w, a);
            double step = next.sub(w).norm().item();
            w = next;
            if (step <= 1e-15 * Math.max(1.0, w.norm().item())) {
                return w;
            }
        }
        throw new AssertionError("fixed-point iteration did not converge");
    }

    static BiFunction<Tensor, Args, Tensor> decorated(Variant v, ImplicitOptions base) {
        switch (v) {
            case ROOT_DENSE_LU:
                return ImplicitDiff.customRoot(RidgeFixtures::optimality, RidgeFixtures.denseSolver(LinearSolver.lu()),
                        base.withSymmetric(true));
            case ROOT_DENSE_CHOLESKY:
                return ImplicitDiff.customRoot(RidgeFixtures::optimality,
                        RidgeFixtures.denseSolver(LinearSolver.cholesky()),
                        base.withSymmetric(true).withSolver(LinearSolver.lu()));
            case ROOT_CG:
                return ImplicitDiff.customRoot(RidgeFixtures::optimality, RidgeFixtures.cgSolver(1e-13),
                        base.withSymmetric(true).withSolver(LinearSolver.cg().withRtol(1e-13)));
            case FIXED_POINT:
                // ∂ₓ(T − id) = −ηH is symmetric negative definite: not declared symmetric (that would claim PD).
                return ImplicitDiff.customFixedPoint(DiabetesRidgeReferenceTest::gradientStep,
                        DiabetesRidgeReferenceTest::iterateToFixedPoint, base);
            default:
                throw new AssertionError(v);
        }
    }

    private static Tensor init() {
        return Tensor.zeros(data.features());
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void solutionMatchesReference(Variant v) {
        Tensor w = decorated(v, ImplicitOptions.defaults()).apply(init(), data.args(ref.l2reg()));
        assertClose(ref.wStar(), w.toArray(), RTOL, v + ": w*");
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void jacfwdOfSolutionWrtL2regMatchesReference(Variant v) {
        List<ImplicitDiagnostics> seen = new ArrayList<>();
        BiFunction<Tensor, Args, Tensor> sol = decorated(v, ImplicitOptions.defaults().withObserver(seen::add));
        Tensor j = Autodiff.jacfwd((Tensor l) -> sol.apply(init(), data.args(l))).apply(Tensor.scalar(ref.l2reg()));
        assertArrayEquals(new int[] {10}, j.shape());
        assertClose(ref.dwStarDl2reg(), j.toArray(), RTOL, v + ": jacfwd dw*/dl2reg");
        assertCertified(seen, ImplicitDiagnostics.Mode.JVP);
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void jacrevOfSolutionWrtL2regMatchesReference(Variant v) {
        List<ImplicitDiagnostics> seen = new ArrayList<>();
        BiFunction<Tensor, Args, Tensor> sol = decorated(v, ImplicitOptions.defaults().withObserver(seen::add));
        Tensor j = Autodiff.jacrev((Tensor l) -> sol.apply(init(), data.args(l))).apply(Tensor.scalar(ref.l2reg()));
        assertArrayEquals(new int[] {10}, j.shape());
        assertClose(ref.dwStarDl2reg(), j.toArray(), RTOL, v + ": jacrev dw*/dl2reg");
        assertCertified(seen, ImplicitDiagnostics.Mode.VJP);
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void validationLossAndItsGradientWrtThetaMatchReference(Variant v) {
        BiFunction<Tensor, Args, Tensor> sol = decorated(v, ImplicitOptions.defaults());
        Function<Tensor, Tensor> outer = theta -> RidgeFixtures.validationLoss(sol.apply(init(), data.args(theta.exp())), data);
        Autodiff.ValueAndGrad<Tensor> vg = Autodiff.valueAndGrad(outer).apply(Tensor.scalar(ref.theta()));
        assertClose(ref.valLoss(), vg.value().item(), RTOL, v + ": validation loss");
        assertClose(ref.dvalLossDtheta(), vg.gradient().item(), RTOL, v + ": d val_loss / d theta (grad)");
        // Forward mode gives the same number.
        double jvp = Autodiff.jvp(outer, Tensor.scalar(ref.theta()), Tensor.scalar(1.0)).tangent().item();
        assertClose(ref.dvalLossDtheta(), jvp, RTOL, v + ": d val_loss / d theta (jvp)");
    }

    /** The closed-form helper used by the other tests agrees with the reference file. */
    @Test
    void closedFormHelperAgreesWithReference() {
        ClosedFormRidge cf = data.closedForm();
        assertClose(ref.wStar(), cf.solution(ref.l2reg()), 1e-10, "closed form w*");
        assertClose(ref.dwStarDl2reg(), cf.dwDl2reg(ref.l2reg()), 1e-10, "closed form dw*/dl2reg");
        assertClose(ref.valLoss(), cf.validationLoss(cf.solution(ref.l2reg())), 1e-10, "closed form val loss");
        assertClose(ref.dvalLossDtheta(), cf.dLossDtheta(ref.theta()), 1e-10, "closed form dL/dtheta");
    }

    private static void assertCertified(List<ImplicitDiagnostics> seen, ImplicitDiagnostics.Mode mode) {
        assertTrue(!seen.isEmpty(), "the observer received no diagnostics");
        for (ImplicitDiagnostics d : seen) {
            assertEquals(mode, d.mode(), d.summary());
            assertTrue(d.certified(), "expected certified diagnostics, got " + d.summary());
            assertTrue(d.linearSolve() != null && d.linearSolve().converged(), d.summary());
        }
    }
}
