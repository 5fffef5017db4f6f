package dev.argdiff.optim;

import dev.argdiff.ad.Pytree;
import dev.argdiff.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Rescales updates by Adam's bias-corrected moment estimates (Optax's {@code scale_by_adam}).
 *
 * <p>At step t = 1, 2, … with incoming update g (elementwise):
 * <pre>
 *   μ_t = b1·μ_{t−1} + (1 − b1)·g          ν_t = b2·ν_{t−1} + (1 − b2)·g²
 *   μ̂ = μ_t / (1 − b1^t)                   ν̂ = ν_t / (1 − b2^t)
 *   u = μ̂ / (√(ν̂ + epsRoot) + eps)
 * </pre>
 * with μ_0 = ν_0 = 0. The result is a direction, not a step: chain it with
 * {@link Transforms#scaleByLearningRate} (as {@link Optimizers#adam} does).
 *
 * <p>Defaults (Optax's): b1 = 0.9, b2 = 0.999, eps = 1e-8, epsRoot = 0. When differentiating
 * through the update, use epsRoot &gt; 0 (e.g. 1e-16): √ has an infinite derivative at 0, reached
 * wherever a gradient entry has been exactly 0 so far.
 *
 * <p>Reference: D. P. Kingma and J. Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015.
 */
public final class ScaleByAdam implements GradientTransformation<ScaleByAdam.State> {

    /**
     * Adam's state.
     *
     * @param count the number of updates done (a static leaf; saturates at {@code Integer.MAX_VALUE})
     * @param mu    the first-moment estimate, a tree shaped like the parameters
     * @param nu    the second-moment estimate, a tree shaped like the parameters
     */
    public record State(int count, Object mu, Object nu) {
    }

    private final double b1;
    private final double b2;
    private final double eps;
    private final double epsRoot;

    ScaleByAdam(String op, double b1, double b2, double eps, double epsRoot) {
        Checks.requireDecay(op, "b1", b1);
        Checks.requireDecay(op, "b2", b2);
        Checks.requireNonNegative(op, "eps", eps);
        Checks.requireNonNegative(op, "epsRoot", epsRoot);
        this.b1 = b1;
        this.b2 = b2;
        this.eps = eps;
        this.epsRoot = epsRoot;
    }

    /** The decay rate of the first moment. */
    public double b1() {
        return b1;
    }

    /** The decay rate of the second moment. */
    public double b2() {
        return b2;
    }

    /** The constant added to the denominator outside the square root. */
    public double eps() {
        return eps;
    }

    /** The constant added to the denominator inside the square root. */
    public double epsRoot() {
        return epsRoot;
    }

    @Override
    public <P> State init(P params) {
        Checks.requireParams("scaleByAdam.init", params);
        return new State(0, Pytree.zerosLike(params), Pytree.zerosLike(params));
    }

    @Override
    public <P> Update<P, State> update(P updates, State state, P params) {
        String op = "scaleByAdam";
        Checks.requireUpdates(op, updates, state);
        Pytree.Flat g = Pytree.flatten(updates);
        List<Tensor> mu = Checks.leavesLike(op, "state.mu", state.mu(), g);
        List<Tensor> nu = Checks.leavesLike(op, "state.nu", state.nu(), g);
        int count = state.count() == Integer.MAX_VALUE ? Integer.MAX_VALUE : state.count() + 1;
        double correction1 = 1 - Math.pow(b1, count);
        double correction2 = 1 - Math.pow(b2, count);
        int n = g.leaves().size();
        List<Tensor> newMu = new ArrayList<>(n);
        List<Tensor> newNu = new ArrayList<>(n);
        List<Tensor> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Tensor gi = g.leaves().get(i);
            Tensor m = gi.mul(1 - b1).add(mu.get(i).mul(b1));
            Tensor v = gi.square().mul(1 - b2).add(nu.get(i).mul(b2));
            Tensor mHat = m.div(correction1);
            Tensor vHat = v.div(correction2);
            newMu.add(m);
            newNu.add(v);
            out.add(mHat.div(vHat.add(epsRoot).sqrt().add(eps)));
        }
        return new Update<>(Checks.unflatten(g, out),
                new State(count, Checks.unflatten(g, newMu), Checks.unflatten(g, newNu)));
    }

    @Override
    public String toString() {
        return "scaleByAdam(b1=" + b1 + ", b2=" + b2 + ", eps=" + eps + ", epsRoot=" + epsRoot + ")";
    }
}
