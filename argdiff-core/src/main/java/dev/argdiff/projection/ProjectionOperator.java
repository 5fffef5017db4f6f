package dev.argdiff.projection;

import dev.argdiff.ad.Pytree;
import dev.argdiff.tensor.Tensor;

import java.util.function.UnaryOperator;

/**
 * A Euclidean projection onto a set C(h) that depends on hyperparameters h:
 * <pre>
 *   P(x, h) = argmin_{y ∈ C(h)} ½‖y − x‖²
 * </pre>
 * The counterpart of JAXopt's {@code projection(x, hyperparams)} signature, so that a solver
 * (projected gradient, mirror descent, …) can take any projection. Most members of
 * {@link Projection} fit as method references:
 * <pre>{@code
 * ProjectionOperator<Tensor, Tensor> simplex = Projection::simplex;            // h = the sum
 * ProjectionOperator<Tensor, Projection.Box> box = Projection::box;            // h = (lower, upper)
 * ProjectionOperator<Tensor, Void> nonNeg = ProjectionOperator.of(Projection::nonNegative);
 * }</pre>
 * Implementations written with tensor operations are differentiable in x and in the tensor
 * leaves of h.
 *
 * @param <X> the type of the points (a tensor or a tree of tensors)
 * @param <H> the type of the hyperparameters (a tree; its tensor leaves can be differentiated)
 */
@FunctionalInterface
public interface ProjectionOperator<X, H> {

    /** P(x, h): the point of C(h) closest to x. */
    X apply(X x, H hyperparams);

    /** A projection onto a fixed set: the hyperparameters are ignored. */
    static <X, H> ProjectionOperator<X, H> of(UnaryOperator<X> projection) {
        if (projection == null) {
            throw new IllegalArgumentException("ProjectionOperator.of: projection is null");
        }
        return (x, h) -> projection.apply(x);
    }

    /**
     * Applies a projection onto a product set leaf by leaf: every tensor leaf of a tree is
     * projected with the same hyperparameters. Correct only when C is a product over the leaves
     * (non-negative orthant, boxes); not for a ball or a simplex over the whole tree.
     */
    static <T, H> ProjectionOperator<T, H> leafwise(ProjectionOperator<Tensor, H> projection) {
        if (projection == null) {
            throw new IllegalArgumentException("ProjectionOperator.leafwise: projection is null");
        }
        return (x, h) -> Pytree.map(x, leaf -> projection.apply(leaf, h));
    }
}
