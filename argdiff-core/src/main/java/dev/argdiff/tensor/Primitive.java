package dev.argdiff.tensor;

/**
 * An operation with an evaluation kernel and its differentiation rules. The rules are written
 * with tensor operations (which dispatch like any other), so every derivative is itself
 * differentiable: that single property gives grad-of-grad, Hessian-vector products and
 * jacfwd-of-jacrev.
 *
 * <p>The set of primitives is closed (sealed): every one lives in {@code Ops}, as a constant of
 * an element-wise family enum (each constant carries its own kernel loop and derivative) or as a
 * class whose fields are the operation's parameters (an axis, a shape). A transform adds one
 * abstract method here, and the compiler then asks every primitive for its rule: that is how a
 * batching transform (JAX's vmap) would be added next to {@link #jvp} and {@link #vjp}.
 */
public sealed interface Primitive permits Ops.Unary, Ops.Binary, Ops.Compare, Ops.Where, Ops.Reduce, Ops.Reshape,
        Ops.BroadcastTo, Ops.Transpose, Ops.Slice, Ops.Pad, Ops.Take, Ops.ScatterAdd, Ops.Concatenate, Ops.MatMul {

    /** The operation's name, used in messages ({@code Enum.name()} is final, hence not {@code name()}). */
    String opName();

    /** Evaluates on concrete (untraced) inputs. */
    Tensor evaluate(Tensor[] inputs);

    /**
     * The tangent of the output, given the primal inputs, their tangents (null for zero) and the
     * primal output. Returns null when the tangent is zero (non-differentiable operations).
     */
    Tensor jvp(Tensor[] primals, Tensor[] tangents, Tensor output);

    /**
     * The cotangents of the inputs given the output cotangent; entries for inputs whose
     * {@code needed} flag is false may be null, and a null entry means zero.
     */
    Tensor[] vjp(Tensor[] primals, Tensor output, Tensor cotangent, boolean[] needed);
}
