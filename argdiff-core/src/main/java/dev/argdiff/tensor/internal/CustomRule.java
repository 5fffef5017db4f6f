package dev.argdiff.tensor.internal;

import dev.argdiff.tensor.Tensor;

/**
 * A function of flat tensor lists that carries its own derivative rules. This is the hook by
 * which {@code customJvp}, {@code customVjp} and implicit differentiation are installed: every
 * transform asks the rule instead of differentiating {@link #call}.
 *
 * <p>Contract: {@link #jvp} and {@link #vjp} compute their primal outputs through
 * {@link Dispatch#bindCustom(CustomRule, Tensor[])} on the primals (so that lower transform
 * levels see this rule too), and write their tangent and cotangent computations with
 * differentiable tensor operations (so that derivatives of any order work). Either may return
 * null, in which case the transform derives it from the other one by transposition.
 */
public interface CustomRule {

    /** A name for messages. */
    String name();

    /** The plain evaluation, on inputs that are not traced at any active level above them. */
    Tensor[] call(Tensor[] inputs);

    /**
     * Forward mode: outputs and their tangents. {@code tangents[i] == null} means a zero
     * tangent. Returns null when this rule has no forward rule.
     */
    JvpOutput jvp(Tensor[] primals, Tensor[] tangents);

    /**
     * Forward mode when the outputs are already known: {@code outputs} is what
     * {@link Dispatch#bindCustom(CustomRule, Tensor[])} returned for these primals. Reverse mode
     * derived by transposition calls this in every pullback; an implementation whose outputs are
     * expensive (a solver) should override it to use them rather than evaluate again. The default
     * ignores them and calls {@link #jvp(Tensor[], Tensor[])}.
     */
    default JvpOutput jvpWithOutputs(Tensor[] primals, Tensor[] outputs, Tensor[] tangents) {
        return jvp(primals, tangents);
    }

    /**
     * Reverse mode: outputs and a pullback from output cotangents to input cotangents.
     * Returns null when this rule has no reverse rule.
     */
    VjpOutput vjp(Tensor[] primals);

    /**
     * Reverse mode when only some inputs need a cotangent ({@code needed[i]}; the others are
     * constants of the transform and their entries of the pullback's result are ignored). A rule
     * whose cotangents are expensive for inputs that do not need them (a data matrix) should
     * override this. The default calls {@link #vjp(Tensor[])}.
     */
    default VjpOutput vjp(Tensor[] primals, boolean[] needed) {
        return vjp(primals);
    }

    /** Outputs and their tangents (a null tangent is zero). */
    record JvpOutput(Tensor[] outputs, Tensor[] tangents) {
    }

    /** Outputs, and a pullback: output cotangents (null for zero) to input cotangents (null for zero). */
    record VjpOutput(Tensor[] outputs, Pullback pullback) {
    }

    /** The reverse-mode rule of a custom operation: output cotangents to input cotangents. */
    @FunctionalInterface
    interface Pullback {
        /** The cotangents of the inputs, given the cotangents of the outputs. */
        Tensor[] apply(Tensor[] outputCotangents);
    }
}
