package dev.argdiff.prox;

import dev.argdiff.ad.Pytree;
import dev.argdiff.tensor.Tensor;

/**
 * A proximal operator of a function g(·, h) with hyperparameters h, scaled by s ≥ 0:
 * <pre>
 *   prox_{s·g}(x, h) = argmin_y ½‖y − x‖² + s·g(y, h)
 * </pre>
 * The counterpart of JAXopt's {@code prox(x, hyperparams, scaling)} signature, so that a
 * solver (proximal gradient with step size s, block coordinate descent, …) can take any prox.
 * The members of {@link Prox} fit as method references:
 * <pre>{@code
 * ProxOperator<Tensor, Tensor> lasso = Prox::lasso;                           // h = l1reg
 * ProxOperator<Tensor, Prox.ElasticNet> enet = Prox::elasticNet;              // h = (l1reg, l2reg)
 * ProxOperator<Tensor, Projection.Box> box = Prox.fromProjection(Projection::box);
 * }</pre>
 * Implementations written with tensor operations are differentiable in x and in the tensor
 * leaves of h (the scaling is a plain number: solvers pass their step size).
 *
 * @param <X> the type of the points (a tensor or a tree of tensors)
 * @param <H> the type of the hyperparameters (a tree; its tensor leaves can be differentiated)
 */
@FunctionalInterface
public interface ProxOperator<X, H> {

    /** prox_{s·g}(x, h) for the scaling s = {@code scaling} ≥ 0. */
    X apply(X x, H hyperparams, double scaling);

    /** prox_g(x, h): scaling 1. */
    default X apply(X x, H hyperparams) {
        return apply(x, hyperparams, 1.0);
    }

    /**
     * Applies the prox of a separable g leaf by leaf: every tensor leaf of a tree goes through
     * {@code prox} with the same hyperparameters and scaling. Correct only when g is a sum over
     * the leaves ({@link Prox#lasso}, {@link Prox#ridge}, {@link Prox#elasticNet}, …); not for
     * {@link Prox#groupLasso}, whose norm would then be taken per leaf.
     */
    static <T, H> ProxOperator<T, H> leafwise(ProxOperator<Tensor, H> prox) {
        if (prox == null) {
            throw new IllegalArgumentException("ProxOperator.leafwise: prox is null");
        }
        return (x, h, s) -> Pytree.map(x, leaf -> prox.apply(leaf, h, s));
    }
}
