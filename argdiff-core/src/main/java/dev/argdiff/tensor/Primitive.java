package dev.argdiff.tensor;

/**
 * An operation with an evaluation kernel and its differentiation rules. The rules are written
 * with tensor operations (which dispatch like any other), so every derivative is itself
 * differentiable: that single property gives grad-of-grad, Hessian-vector products and
 * jacfwd-of-jacrev.
 *
 * <p>Parameters of an operation (an axis, a shape) are fields of the instance.
 */
public abstract class Primitive {

    /** The operation's name, used in messages. */
    public abstract String name();

    /** Evaluates on concrete (untraced) inputs. */
    public abstract Tensor evaluate(Tensor[] inputs);

    /**
     * The tangent of the output, given the primal inputs, their tangents (null for zero) and the
     * primal output. Returns null when the tangent is zero (non-differentiable operations).
     */
    public abstract Tensor jvp(Tensor[] primals, Tensor[] tangents, Tensor output);

    /**
     * The cotangents of the inputs given the output cotangent; entries for inputs whose
     * {@code needed} flag is false may be null, and a null entry means zero.
     */
    public abstract Tensor[] vjp(Tensor[] primals, Tensor output, Tensor cotangent, boolean[] needed);

    @Override
    public String toString() {
        return name();
    }
}
