package dev.argdiff.examples;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.implicit.ImplicitDiagnostics;
import dev.argdiff.implicit.ImplicitOptions;
import dev.argdiff.optim.Chain;
import dev.argdiff.optim.GradientTransformation;
import dev.argdiff.optim.Optimizers;
import dev.argdiff.prox.Prox;
import dev.argdiff.solvers.BlockCoordinateDescent;
import dev.argdiff.solvers.IterativeSolver;
import dev.argdiff.solvers.ProximalGradient;
import dev.argdiff.solvers.SolverResult;
import dev.argdiff.solvers.SolverState;
import dev.argdiff.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Dictionary learning by implicit differentiation (JAXopt's {@code sparse_coding.py}) on the
 * bundled digits: the k atoms of a dictionary D are learned by Adam on the reconstruction error
 * of the images' sparse codes, whose derivative in D goes through the inner elastic-net solver
 * by implicit differentiation.
 *
 * <pre>
 *   inner:  C*(D) = argmin_C ½‖X − C·D‖²_F + λ₁·(‖C‖₁ + ½·λ₂·‖C‖²_F)
 *           (one elastic-net problem per image; X is n×64, C is n×k, D is k×64), solved by block
 *           coordinate descent (one block = one atom's codes for all images) or proximal gradient
 *           (FISTA), warm-started from the previous outer step's codes;
 *   outer:  min_D L(D) = (1/2n)·‖X − C*(D)·D‖²_F, by Adam, each atom then projected onto the
 *           unit l2 ball (without that constraint the l1 penalty could be dodged by growing D).
 * </pre>
 * The derivative of C*(D) matters: C* minimizes the penalized inner objective, not L, so
 * ∂L/∂C ≠ 0 at C* and the hypergradient differs from the partial derivative ∂L/∂D at fixed codes
 * (Danskin's shortcut, exact only without the penalty). The implicit derivative comes from the
 * inner solver's optimality condition, the proximal-gradient fixed point
 * prox(C − ∇f(C), 1) − C = 0; its adjoint system has n·k unknowns (4800 by default) and is solved
 * by GMRES.
 *
 * <p>Data: n digits drawn at random (seeded), scaled to [0, 1] and centered (their mean image
 * subtracted: centered atoms are less correlated than raw, all-positive digits, and coordinate
 * descent needs about five times fewer epochs); the initial atoms are k other random digits,
 * centered the same way and normalized to unit l2 norm. Codes are stored transposed (k×n): the block
 * coordinate descent solver's blocks are rows.
 */
public final class SparseCodingExample {
    private SparseCodingExample() {
    }

    /** The inner solver. */
    public enum Solver { BCD, PG }

    /**
     * @param solver       block coordinate descent or proximal gradient
     * @param steps        outer Adam steps (≥ 1)
     * @param learningRate Adam's learning rate (> 0)
     * @param atoms        number of atoms k (1..64)
     * @param samples      number of images n (2..1797 − k; they are centered)
     * @param l1reg        λ₁ of the elastic net (> 0)
     * @param l2reg        λ₂ of the elastic net, relative to λ₁ (JAXopt's elastic_penalty; ≥ 0)
     * @param innerMaxiter iteration limit of the inner solver (≥ 1)
     * @param innerTol     stopping tolerance of the inner solver (> 0)
     * @param seed         the seed of the image sample and of the initial atoms
     */
    public record Options(Solver solver, int steps, double learningRate, int atoms, int samples, double l1reg,
                          double l2reg, int innerMaxiter, double innerTol, long seed) {
        public Options {
            if (solver == null) {
                throw new IllegalArgumentException("--solver must be bcd or pg");
            }
            if (steps < 1) {
                throw new IllegalArgumentException("--steps must be >= 1, got " + steps);
            }
            if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
                throw new IllegalArgumentException("--learning-rate must be a positive number, got " + learningRate);
            }
            if (atoms < 1 || atoms > 64) {
                throw new IllegalArgumentException("--atoms must be within 1..64, got " + atoms);
            }
            if (samples < 2 || samples > 1797 - atoms) {
                throw new IllegalArgumentException("--samples must be within 2.." + (1797 - atoms) + ", got " + samples);
            }
            if (!(l1reg > 0) || !Double.isFinite(l1reg)) {
                throw new IllegalArgumentException("--l1reg must be a positive number, got " + l1reg);
            }
            if (!(l2reg >= 0) || !Double.isFinite(l2reg)) {
                throw new IllegalArgumentException("--l2reg must be a finite number >= 0, got " + l2reg);
            }
            if (innerMaxiter < 1) {
                throw new IllegalArgumentException("--inner-maxiter must be >= 1, got " + innerMaxiter);
            }
            if (!(innerTol > 0) || !Double.isFinite(innerTol)) {
                throw new IllegalArgumentException("--inner-tol must be a positive number, got " + innerTol);
            }
        }

        /** 30 Adam(0.02) steps, 16 atoms, 300 images, λ₁ = 0.3, λ₂ = 0.01, inner BCD to 1e-8. */
        public static Options defaults() {
            return new Options(Solver.BCD, 30, 0.02, 16, 300, 0.3, 0.01, 1000, 1e-8, 0);
        }
    }

    /**
     * One outer step, evaluated before the update: the reconstruction loss L(D), the relative
     * error ‖X − C·D‖²/‖X‖², the norm of the hypergradient ∂L/∂D, the fraction of nonzero codes,
     * the inner solver's iterations and final error, and the adjoint solve's relative residual.
     */
    public record Step(int step, double loss, double relativeError, double gradientNorm, double density,
                       int innerIterations, double innerError, double adjointResidual) {
    }

    /** The steps and the final dictionary (k rows of 64 pixels). */
    public record Result(List<Step> steps, double[][] dictionary) {
    }

    /** The inner problem's arguments: the dictionary D (k×64), the images transposed (64×n), the elastic net. */
    record Args(Tensor dictionary, Tensor imagesT, Prox.ElasticNet reg) {
    }

    /** The images X (n×64) and the initial dictionary D₀ (k×64) of these options. */
    record Setup(Tensor images, Tensor dictionary) {
    }

    /** What one evaluation of the outer loss gives: L, ∂L/∂D, the codes (k×n) and the diagnostics. */
    record Evaluation(double loss, Tensor gradient, Tensor codes, SolverResult<Tensor, ? extends SolverState> inner,
                      ImplicitDiagnostics adjoint) {
    }

    static Setup setup(Options options) {
        DigitsTensors digits = DigitsTensors.shuffled(options.seed());
        Tensor images = digits.images().slice(0, 0, options.samples());
        Tensor mean = images.mean(0, true);
        Tensor atoms = digits.images().slice(0, options.samples(), options.samples() + options.atoms());
        return new Setup(images.sub(mean), normalizeRows(atoms.sub(mean)));
    }

    /** Each row scaled to unit l2 norm (rows of norm 0 are left at 0). */
    static Tensor normalizeRows(Tensor d) {
        Tensor norms = d.square().sum(1, true).sqrt();
        return d.div(Tensor.where(norms.gt(0.0), norms, Tensor.scalar(1.0)));
    }

    /** The projection of each row onto the unit l2 ball: rows of norm > 1 are scaled to norm 1. */
    static Tensor projectRows(Tensor d) {
        return d.div(d.square().sum(1, true).sqrt().maximum(1.0));
    }

    /** The smooth part of the inner objective: ½‖Dᵀ·Cᵀ − Xᵀ‖² summed over the images. */
    static Tensor reconstruction(Tensor codesT, Args a) {
        return a.dictionary().transposeMatmul(codesT).sub(a.imagesT()).square().sum().mul(0.5);
    }

    static IterativeSolver<Tensor, Args, ? extends SolverState, ?> innerSolver(
            Options options, AtomicReference<ImplicitDiagnostics> adjoint) {
        ImplicitOptions implicit = ImplicitOptions.defaults().withObserver(adjoint::set);
        switch (options.solver()) {
            case BCD:
                return BlockCoordinateDescent.<Args>compositeLinear(a -> a.dictionary().transpose(),
                                (z, a) -> z.sub(a.imagesT()).square().sum().mul(0.5), 1.0,
                                (c, a, s) -> Prox.elasticNet(c, a.reg(), s))
                        .maxiter(options.innerMaxiter()).tol(options.innerTol()).implicitOptions(implicit);
            case PG:
                return ProximalGradient.<Tensor, Args>of(SparseCodingExample::reconstruction,
                                (c, a, s) -> Prox.elasticNet(c, a.reg(), s))
                        .restart(true).maxiter(options.innerMaxiter()).tol(options.innerTol())
                        .implicitOptions(implicit);
            default:
                throw new AssertionError(options.solver());
        }
    }

    /**
     * L(D) and its gradient by implicit differentiation of the codes, from the codes
     * {@code warmStart} (k×n).
     */
    static Evaluation evaluate(Options options, Tensor images, Tensor dictionary, Tensor warmStart) {
        AtomicReference<ImplicitDiagnostics> adjoint = new AtomicReference<>();
        var solver = innerSolver(options, adjoint);
        Tensor imagesT = images.transpose();
        Prox.ElasticNet reg = Prox.ElasticNet.of(options.l1reg(), options.l2reg());
        int n = images.dim(0);
        AtomicReference<SolverResult<Tensor, ? extends SolverState>> inner = new AtomicReference<>();
        Autodiff.ValueAuxAndGrad<Tensor, Tensor> r = Autodiff.valueAndGradWithAux((Tensor d) -> {
            Args args = new Args(d, imagesT, reg);
            SolverResult<Tensor, ? extends SolverState> s = solver.run(warmStart, args);
            inner.set(s);
            Tensor loss = reconstruction(s.params(), args).div(n);
            return new Autodiff.Aux<>(loss, s.params());
        }).apply(dictionary);
        return new Evaluation(r.value().item(), r.gradient(), r.aux(), inner.get(), adjoint.get());
    }

    /** Runs the example, calling {@code onStep} after each outer step. */
    public static Result run(Options options, Consumer<Step> onStep) {
        Setup setup = setup(options);
        Tensor images = setup.images();
        double imagesSquaredNorm = images.squaredNorm().item();
        int n = images.dim(0);
        Chain adam = Optimizers.adam(options.learningRate());
        Tensor dictionary = setup.dictionary();
        Chain.State adamState = adam.init(dictionary);
        Tensor codes = Tensor.zeros(options.atoms(), n);
        List<Step> steps = new ArrayList<>();
        for (int k = 0; k < options.steps(); k++) {
            Evaluation e = evaluate(options, images, dictionary, codes);
            int nonzero = 0;
            for (double v : e.codes().toArray()) {
                nonzero += v != 0 ? 1 : 0;
            }
            Step step = new Step(k + 1, e.loss(), 2 * n * e.loss() / imagesSquaredNorm,
                    Math.sqrt(e.gradient().squaredNorm().item()), (double) nonzero / e.codes().size(),
                    e.inner().iterations(), e.inner().error(),
                    e.adjoint() == null || e.adjoint().linearSolve() == null ? Double.NaN
                            : e.adjoint().linearSolve().relativeResidual());
            steps.add(step);
            if (onStep != null) {
                onStep.accept(step);
            }
            Divergence.checkStep(k + 1, step.loss(), step.gradientNorm(), "--learning-rate", options.learningRate());
            GradientTransformation.Update<Tensor, Chain.State> u = adam.update(e.gradient(), adamState, dictionary);
            dictionary = projectRows(Optimizers.applyUpdates(dictionary, u.updates()));
            adamState = u.state();
            codes = e.codes();
        }
        return new Result(steps, dictionary.toArray2d());
    }
}
