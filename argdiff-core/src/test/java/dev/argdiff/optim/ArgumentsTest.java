package dev.argdiff.optim;

import dev.argdiff.solvers.OptStep;
import dev.argdiff.solvers.OptimizerSolver;
import dev.argdiff.solvers.SolverStatus;
import dev.argdiff.tensor.ShapeException;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad arguments are refused eagerly, with messages naming the call and the argument. */
class ArgumentsTest {

    private static void refused(String expectedMessage, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertEquals(expectedMessage, e.getMessage());
    }

    @Test
    void adamMomentsMustBeInUnitInterval() {
        refused("adam: b1 must be in [0, 1), got 1.0", () -> Optimizers.adam(0.1, 1.0, 0.999, 1e-8));
        refused("adam: b1 must be in [0, 1), got -0.1", () -> Optimizers.adam(0.1, -0.1, 0.999, 1e-8));
        refused("adam: b1 must be in [0, 1), got NaN", () -> Optimizers.adam(0.1, Double.NaN, 0.999, 1e-8));
        refused("adam: b2 must be in [0, 1), got 1.5", () -> Optimizers.adam(0.1, 0.9, 1.5, 1e-8));
        refused("scaleByAdam: b1 must be in [0, 1), got 1.0", () -> Transforms.scaleByAdam(1.0, 0.999, 1e-8, 0));
        refused("adam: eps must be >= 0, got -1.0E-8", () -> Optimizers.adam(0.1, 0.9, 0.999, -1e-8));
        refused("adam: epsRoot must be finite, got Infinity",
                () -> Optimizers.adam(0.1, 0.9, 0.999, 1e-8, Double.POSITIVE_INFINITY));
        // b1 = 0 (no momentum) is a valid Adam.
        Optimizers.adam(0.1, 0.0, 0.999, 1e-8);
    }

    @Test
    void learningRateMustBeFiniteAndNonNegative() {
        String hint = " (a negative learning rate ascends; use Transforms.scale(step) for a signed step)";
        refused("sgd: learningRate must be >= 0, got -0.1" + hint, () -> Optimizers.sgd(-0.1));
        refused("adam: learningRate must be >= 0, got -0.1" + hint, () -> Optimizers.adam(-0.1));
        refused("momentum: learningRate must be >= 0, got -1.0" + hint, () -> Optimizers.momentum(-1.0, 0.9));
        refused("scaleByLearningRate: learningRate must be >= 0, got -2.0" + hint,
                () -> Transforms.scaleByLearningRate(-2.0));
        refused("sgd: learningRate must be finite, got NaN", () -> Optimizers.sgd(Double.NaN));
        refused("adamw: learningRate is null", () -> Optimizers.adamw((Tensor) null));
        ShapeException e = assertThrows(ShapeException.class, () -> Optimizers.sgd(Tensor.of(0.1, 0.2)));
        assertEquals("sgd: learningRate must be a 0-d tensor, got shape [2]", e.getMessage());
        // Zero is allowed, and a signed step is available through scale.
        Optimizers.sgd(0.0);
        Tensor x = Tensor.of(1.0);
        Scale ascent = Transforms.scale(0.5);
        assertEquals(1.5, Optimizers.applyUpdates(x, ascent.update(Tensor.of(1.0), ascent.init(x), x).updates()).item());
    }

    @Test
    void otherHyperparameters() {
        refused("sgd: momentum must be in [0, 1), got 1.0", () -> Optimizers.sgd(0.1, 1.0, false));
        refused("momentum: beta must be in [0, 1), got 1.2", () -> Optimizers.momentum(0.1, 1.2));
        refused("trace: decay must be in [0, 1), got -0.5", () -> Transforms.trace(-0.5));
        refused("addDecayedWeights: weightDecay must be >= 0, got -0.01", () -> Transforms.addDecayedWeights(-0.01));
        refused("adamw: weightDecay must be >= 0, got -1.0",
                () -> Optimizers.adamw(0.1, 0.9, 0.999, 1e-8, 0.0, -1.0));
        refused("clipByGlobalNorm: maxNorm must be > 0, got 0.0", () -> Transforms.clipByGlobalNorm(0.0));
        refused("scale: step must be finite, got Infinity", () -> Transforms.scale(Double.POSITIVE_INFINITY));
        refused("chain: transform 1 is null", () -> GradientTransformation.chain(Transforms.identity(), null));
        refused("stateless: rule is null", () -> Transforms.stateless(null));
    }

    @Test
    void nullsAndMismatchedTrees() {
        Chain opt = Optimizers.adam(0.1);
        Tensor x = Tensor.of(1.0, 2.0);
        Chain.State s = opt.init(x);
        refused("chain.init: params is null", () -> opt.init(null));
        refused("chain: updates is null", () -> opt.update(null, s, x));
        refused("chain: state is null", () -> opt.update(x, null, x));
        ShapeException shape = assertThrows(ShapeException.class, () -> opt.update(Tensor.of(1.0, 2.0, 3.0), s, x));
        assertEquals("scaleByAdam: leaf 0 of state.mu has shape [2] but the update leaf has shape [3]",
                shape.getMessage());
        IllegalArgumentException structure = assertThrows(IllegalArgumentException.class,
                () -> opt.update(List.of(x, x), s, List.of(x, x)));
        assertTrue(structure.getMessage().startsWith("scaleByAdam: state.mu has structure *"), structure.getMessage());
        refused("chain: the state has 1 entries for 2 transforms",
                () -> opt.update(x, new Chain.State(List.of(EmptyState.INSTANCE)), x));
        Chain wd = GradientTransformation.chain(Transforms.addDecayedWeights(0.1));
        refused("addDecayedWeights: params is null; this transformation needs the parameters "
                + "(it adds weightDecay * params)", () -> wd.update(x, wd.init(x), null));
        refused("applyUpdates: params have structure list(*, *) but updates have structure *",
                () -> Optimizers.applyUpdates(List.of(x, x), x));
        ShapeException apply = assertThrows(ShapeException.class,
                () -> Optimizers.applyUpdates(Tensor.of(1.0, 2.0), Tensor.scalar(1.0)));
        assertEquals("applyUpdates: leaf 0 has shape [2] in params and [] in updates", apply.getMessage());
    }

    @Test
    void solverArguments() {
        refused("OptimizerSolver.of: objective is null", () -> OptimizerSolver.of(null, Optimizers.sgd(0.1)));
        refused("OptimizerSolver.of: optimizer is null",
                () -> OptimizerSolver.of((Tensor x, Void a) -> x.sum(), null));
        refused("OptimizerSolver.withAux: objective is null", () -> OptimizerSolver.withAux(null, Optimizers.sgd(0.1)));
        OptimizerSolver<Tensor, Void, Void> solver = OptimizerSolver.of((Tensor x, Void a) -> x.square().sum(),
                Optimizers.sgd(0.1));
        refused("maxiter must be >= 1, got -1", () -> solver.maxiter(-1));
        refused("OptimizerSolver.init: params is null", () -> solver.init(null, null));
        refused("OptimizerSolver.run: initParams is null", () -> solver.run(null, null));
        refused("OptimizerSolver.update: state is null", () -> solver.update(Tensor.of(1.0), null, null));
        IllegalArgumentException notScalar = assertThrows(IllegalArgumentException.class,
                () -> OptimizerSolver.of((Tensor x, Void a) -> x, Optimizers.sgd(0.1)).maxiter(1)
                        .run(Tensor.of(1.0, 2.0), null));
        assertTrue(notScalar.getMessage().startsWith("grad: the function must return a scalar"), notScalar.getMessage());
    }

    @Test
    void nonFiniteObjectiveStopsTheSolver() {
        // sgd with lr·a > 2 diverges on ½ a x²: the iterates grow until the objective overflows.
        OptimizerSolver<Tensor, Void, Void> solver = OptimizerSolver.of(
                (Tensor x, Void a) -> x.square().mul(0.5 * 1e3), Optimizers.sgd(1.0));
        // The shared loop stops such a run as diverged (|x| ~ 1e19) before the objective overflows ...
        assertEquals(SolverStatus.DIVERGED, solver.maxiter(500).tol(0).implicitDiff(false)
                .run(Tensor.scalar(1.0), null).status());
        // ... and a step from an overflowing point refuses to go on.
        ArithmeticException e = assertThrows(ArithmeticException.class, () -> {
            Tensor x = Tensor.scalar(1.0);
            OptimizerSolver.State<Void> state = solver.init(x, null);
            for (int k = 0; k < 500; k++) {
                OptStep<Tensor, OptimizerSolver.State<Void>> step = solver.update(x, state, null);
                x = step.params();
                state = step.state();
            }
        });
        assertTrue(e.getMessage().startsWith("OptimizerSolver.update: the objective is Infinity at iteration "),
                e.getMessage());
    }
}
