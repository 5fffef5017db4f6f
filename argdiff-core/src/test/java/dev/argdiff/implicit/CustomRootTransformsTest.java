package dev.argdiff.implicit;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.GradCheck;
import dev.argdiff.implicit.RidgeFixtures.Args;
import dev.argdiff.implicit.RidgeFixtures.Split;
import dev.argdiff.linalg.LinearSolver;
import dev.argdiff.tensor.Tensor;
import dev.argdiff.testing.PlainLinearAlgebra;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Function;

import static dev.argdiff.implicit.RidgeFixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ImplicitDiff#customRoot} under every transform — grad, valueAndGrad, vjp, jacrev, jvp,
 * jacfwd, hessian, hvp — on the small ridge problem, against closed forms; the initial guess
 * gets an exactly zero derivative; static leaves pass through.
 */
class CustomRootTransformsTest {
    private static final double L2REG = 0.3;
    private static final String TAG = "transforms";
    private static final double RTOL = 1e-10;

    private final Split data = RidgeFixtures.small(42);
    private final ClosedFormRidge cf = data.closedForm();
    private final Args args = new Args(Tensor.scalar(L2REG), data.xTrain(), data.yTrain(), TAG);
    private final ImplicitOptions options = ImplicitOptions.defaults().withSymmetric(true);
    private final BiFunction<Tensor, Args, Tensor> sol =
            ImplicitDiff.customRoot(RidgeFixtures::optimality, RidgeFixtures.denseSolver(LinearSolver.lu()), options);
    /** A warm-started CG solver: the initial guess is really used by the primal computation. */
    private final BiFunction<Tensor, Args, Tensor> warmStarted =
            ImplicitDiff.customRoot(RidgeFixtures::optimality, RidgeFixtures.cgSolver(1e-13), options);

    private static Tensor init() {
        return Tensor.zeros(3);
    }

    private Tensor validationLoss(Tensor w) {
        return RidgeFixtures.validationLoss(w, data);
    }

    /** ∂L/∂(l2reg, X, y) of the validation loss, from the closed forms. */
    private double[][] closedFormLossGradient() {
        double[] w = cf.solution(L2REG);
        double[] g = cf.validationGradient(w);
        double[] dwDl2reg = cf.dwDl2reg(L2REG);
        double[][] dwDy = cf.dwDy(L2REG);
        double[][][] dwDx = cf.dwDx(L2REG);
        double[] gy = new double[10];
        double[] gx = new double[30];
        for (int i = 0; i < 3; i++) {
            for (int r = 0; r < 10; r++) {
                gy[r] += g[i] * dwDy[i][r];
                for (int c = 0; c < 3; c++) {
                    gx[r * 3 + c] += g[i] * dwDx[i][r][c];
                }
            }
        }
        return new double[][] {{PlainLinearAlgebra.dot(g, dwDl2reg)}, gx, gy};
    }

    private void assertLossGradient(Args g, String how) {
        double[][] expected = closedFormLossGradient();
        assertEquals(TAG, g.tag(), how + ": static leaf");
        assertArrayEquals(new int[0], g.l2reg().shape());
        assertClose(expected[0][0], g.l2reg().item(), RTOL, how + " l2reg");
        assertClose(expected[1], g.x().toArray(), RTOL, 1e-13, how + " X");
        assertClose(expected[2], g.y().toArray(), RTOL, 1e-13, how + " y");
    }

    @Test
    void grad() {
        Function<Args, Tensor> loss = a -> validationLoss(sol.apply(init(), a));
        assertLossGradient(Autodiff.grad(loss).apply(args), "grad");
        Autodiff.ValueAndGrad<Args> vg = Autodiff.valueAndGrad(loss).apply(args);
        assertClose(cf.validationLoss(cf.solution(L2REG)), vg.value().item(), RTOL, "value");
        assertLossGradient(vg.gradient(), "valueAndGrad");
    }

    @Test
    void vjp() {
        Autodiff.VjpResult<Args, Tensor> r = Autodiff.vjp((Args a) -> sol.apply(init(), a), args);
        assertClose(cf.solution(L2REG), r.value().toArray(), RTOL, "vjp value");
        Tensor g = Tensor.of(cf.validationGradient(cf.solution(L2REG)));
        assertLossGradient(r.pullback().apply(g), "vjp");
    }

    @Test
    void jacrevAndJacfwd() {
        Function<Tensor, Tensor> w = l -> sol.apply(init(), args.withL2reg(l));
        assertClose(cf.dwDl2reg(L2REG), Autodiff.jacrev(w).apply(Tensor.scalar(L2REG)).toArray(), RTOL, "jacrev");
        assertClose(cf.dwDl2reg(L2REG), Autodiff.jacfwd(w).apply(Tensor.scalar(L2REG)).toArray(), RTOL, "jacfwd");
        Function<Tensor, Tensor> wy = y -> sol.apply(init(), args.withY(y));
        double[] dwDy = PlainLinearAlgebra.flatten(cf.dwDy(L2REG));
        assertClose(dwDy, Autodiff.jacrev(wy).apply(data.yTrain()).toArray(), RTOL, 1e-14, "jacrev y");
        assertClose(dwDy, Autodiff.jacfwd(wy).apply(data.yTrain()).toArray(), RTOL, 1e-14, "jacfwd y");
    }

    @Test
    void jvp() {
        Args tangent = new Args(Tensor.scalar(1.0), Tensor.zeros(10, 3), Tensor.zeros(10), TAG);
        Autodiff.JvpResult<Tensor> r = Autodiff.jvp((Args a) -> sol.apply(init(), a), args, tangent);
        assertClose(cf.solution(L2REG), r.value().toArray(), RTOL, "jvp value");
        assertClose(cf.dwDl2reg(L2REG), r.tangent().toArray(), RTOL, "jvp tangent");
    }

    @Test
    void hessianAndHvpWrtL2reg() {
        Function<Tensor, Tensor> loss = l -> validationLoss(sol.apply(init(), args.withL2reg(l)));
        double expected = cf.d2LossDl2reg2(L2REG);
        Tensor h = Autodiff.hessian(loss).apply(Tensor.scalar(L2REG));
        assertArrayEquals(new int[0], h.shape());
        assertClose(expected, h.item(), 1e-8, "hessian");
        assertClose(expected * 3.0, Autodiff.hvp(loss, Tensor.scalar(L2REG), Tensor.scalar(3.0)).item(), 1e-8, "hvp");
        Function<Tensor, Tensor> g = Autodiff.grad(loss);
        assertClose(expected, Autodiff.grad(g).apply(Tensor.scalar(L2REG)).item(), 1e-8, "grad of grad");
    }

    /** w* is linear in y, so the Hessian of L(w*(y)) is Jᵀ∇²L J with J = ∂w*∂y (closed form). */
    @Test
    void hessianWrtTargetsVector() {
        Function<Tensor, Tensor> loss = y -> validationLoss(sol.apply(init(), args.withY(y)));
        double[][] j = cf.dwDy(L2REG);
        double[][] expected = PlainLinearAlgebra.matmul(PlainLinearAlgebra.transpose(j), PlainLinearAlgebra.matmul(cf.validationHessian(), j));
        Tensor h = Autodiff.hessian(loss).apply(data.yTrain());
        assertArrayEquals(new int[] {10, 10}, h.shape());
        RidgeFixtures.assertNormClose(PlainLinearAlgebra.flatten(expected), h.toArray(), 1e-9, "hessian wrt y");
    }

    /**
     * Derivatives of orders 1 and 2 with respect to the whole argument record (l2reg, X and y at
     * once: ∂ₓF depends on X) against central finite differences, forward and reverse.
     */
    @Test
    void firstAndSecondOrderDerivativesWrtAllArgumentsMatchFiniteDifferences() {
        GradCheck.checkGrads((Args a) -> sol.apply(init(), a), args, 2);
        GradCheck.checkGrads((Args a) -> sol.apply(init(), a), args, 2,
                new GradCheck.Options(1e-5, 1e-5, 1e-7, 17L), GradCheck.Mode.FORWARD);
    }

    // ------------------------------------------------------------------ the initial guess

    record InitAndArgs(Tensor init, Args args) {
    }

    @Test
    void initialGuessGetsAnExactlyZeroGradient() {
        Tensor start = Tensor.of(0.3, -0.2, 0.1);
        for (BiFunction<Tensor, Args, Tensor> s : List.of(sol, warmStarted)) {
            Tensor g = Autodiff.grad((Tensor i) -> validationLoss(s.apply(i, args))).apply(start);
            assertExactlyZero(g, "grad wrt init");
            Tensor t = Autodiff.jvp((Tensor i) -> s.apply(i, args), start, Tensor.ones(3)).tangent();
            assertExactlyZero(t, "jvp along init");
            InitAndArgs both = new InitAndArgs(start, args);
            InitAndArgs jr = Autodiff.jacrev((InitAndArgs b) -> s.apply(b.init(), b.args())).apply(both);
            assertExactlyZero(jr.init(), "jacrev init block");
            assertClose(cf.dwDl2reg(L2REG), jr.args().l2reg().toArray(), 1e-9, "jacrev l2reg block");
            InitAndArgs jf = Autodiff.jacfwd((InitAndArgs b) -> s.apply(b.init(), b.args())).apply(both);
            assertExactlyZero(jf.init(), "jacfwd init block");
            assertClose(cf.dwDl2reg(L2REG), jf.args().l2reg().toArray(), 1e-9, "jacfwd l2reg block");
        }
    }

    /** Every entry == 0.0 (a signed zero from a zero right-hand side counts as zero). */
    private static void assertExactlyZero(Tensor t, String what) {
        double[] v = t.toArray();
        for (int i = 0; i < v.length; i++) {
            assertEquals(0.0, Math.abs(v[i]), what + ": entry " + i + " must be exactly zero");
        }
    }

    @Test
    void warmStartedSolverGivesTheSameDerivativeFromAnyInitialGuess() {
        Function<Tensor, Tensor> fromZero = l -> warmStarted.apply(init(), args.withL2reg(l));
        Function<Tensor, Tensor> fromElsewhere = l -> warmStarted.apply(Tensor.of(5.0, 5.0, -5.0), args.withL2reg(l));
        assertClose(cf.dwDl2reg(L2REG), Autodiff.jacrev(fromZero).apply(Tensor.scalar(L2REG)).toArray(), 1e-9, "zero");
        assertClose(cf.dwDl2reg(L2REG), Autodiff.jacrev(fromElsewhere).apply(Tensor.scalar(L2REG)).toArray(), 1e-9,
                "elsewhere");
    }

    // ------------------------------------------------------------------ static leaves

    /** Non-tensor leaves of several kinds: they reach the solver and the optimality function unchanged. */
    enum Mode { EXACT }

    record Config(Tensor l2reg, Tensor x, Tensor y, int maxiter, Mode mode, String name) {
    }

    @Test
    void staticLeavesPassThroughEveryTransform() {
        AtomicInteger seen = new AtomicInteger();
        BiFunction<Tensor, Config, Tensor> optimality = (w, c) -> {
            assertEquals(7, c.maxiter());
            assertSame(Mode.EXACT, c.mode());
            assertEquals(TAG, c.name());
            seen.incrementAndGet();
            return RidgeFixtures.optimality(w, new Args(c.l2reg(), c.x(), c.y(), c.name()));
        };
        BiFunction<Tensor, Config, Tensor> solver = (i, c) -> {
            assertEquals(7, c.maxiter());
            assertSame(Mode.EXACT, c.mode());
            return RidgeFixtures.denseSolver(LinearSolver.lu()).apply(i, new Args(c.l2reg(), c.x(), c.y(), c.name()));
        };
        BiFunction<Tensor, Config, Tensor> s = ImplicitDiff.customRoot(optimality, solver, options);
        Config c = new Config(Tensor.scalar(L2REG), data.xTrain(), data.yTrain(), 7, Mode.EXACT, TAG);
        Function<Config, Tensor> loss = cc -> validationLoss(s.apply(init(), cc));

        Config g = Autodiff.grad(loss).apply(c);
        assertEquals(7, g.maxiter());
        assertSame(Mode.EXACT, g.mode());
        assertEquals(TAG, g.name());
        assertClose(closedFormLossGradient()[0][0], g.l2reg().item(), RTOL, "grad via Config");

        Config jr = Autodiff.jacrev((Config cc) -> s.apply(init(), cc)).apply(c);
        assertEquals(7, jr.maxiter());
        assertSame(Mode.EXACT, jr.mode());
        assertClose(cf.dwDl2reg(L2REG), jr.l2reg().toArray(), RTOL, "jacrev via Config");

        Config jf = Autodiff.jacfwd((Config cc) -> s.apply(init(), cc)).apply(c);
        assertEquals(TAG, jf.name());
        assertClose(cf.dwDl2reg(L2REG), jf.l2reg().toArray(), RTOL, "jacfwd via Config");
        assertTrue(seen.get() > 0, "the optimality function was used");
    }
}
