package dev.argdiff.optim;

import dev.argdiff.ad.Pytree;
import dev.argdiff.tensor.Tensor;

/**
 * Rescales the updates so that their global norm is at most maxNorm (Optax's
 * {@code clip_by_global_norm}); stateless.
 *
 * <p>With n = ‖u‖ the Euclidean norm of all update entries together
 * ({@link Optimizers#globalNorm}): u is returned unchanged when n &lt; maxNorm, and
 * u·maxNorm/n otherwise. maxNorm must be finite and &gt; 0.
 *
 * <p>Reference: R. Pascanu, T. Mikolov and Y. Bengio, "On the difficulty of training recurrent
 * neural networks", ICML 2013.
 */
public final class ClipByGlobalNorm implements GradientTransformation<EmptyState> {

    private final double maxNorm;

    ClipByGlobalNorm(String op, double maxNorm) {
        Checks.requirePositive(op, "maxNorm", maxNorm);
        this.maxNorm = maxNorm;
    }

    /** The largest global norm let through. */
    public double maxNorm() {
        return maxNorm;
    }

    @Override
    public <P> EmptyState init(P params) {
        Checks.requireParams("clipByGlobalNorm.init", params);
        return EmptyState.INSTANCE;
    }

    @Override
    public <P> Update<P, EmptyState> update(P updates, EmptyState state, P params) {
        Checks.requireUpdates("clipByGlobalNorm", updates, state);
        Tensor norm = Optimizers.globalNorm(updates);
        Tensor keep = norm.lt(maxNorm);
        // Both branches of where are differentiated; divide by 1 where the norm is kept so that
        // a zero norm never produces 0/0 in the unused branch's derivative.
        Tensor safeNorm = Tensor.where(keep, Tensor.scalar(1.0), norm);
        return new Update<>(Pytree.map(updates, u -> Tensor.where(keep, u, u.div(safeNorm).mul(maxNorm))), state);
    }

    @Override
    public String toString() {
        return "clipByGlobalNorm(" + maxNorm + ")";
    }
}
