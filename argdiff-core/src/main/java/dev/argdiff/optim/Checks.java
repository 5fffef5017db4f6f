package dev.argdiff.optim;

import dev.argdiff.ad.Pytree;
import dev.argdiff.tensor.ShapeException;
import dev.argdiff.tensor.Tensor;

import java.util.Arrays;
import java.util.List;

/** Argument checks and tree plumbing shared by the transformations. */
final class Checks {
    private Checks() {
    }

    static void requireParams(String op, Object params) {
        if (params == null) {
            throw new IllegalArgumentException(op + ": params is null");
        }
    }

    static void requireUpdates(String op, Object updates, Object state) {
        if (updates == null) {
            throw new IllegalArgumentException(op + ": updates is null");
        }
        if (state == null) {
            throw new IllegalArgumentException(op + ": state is null");
        }
    }

    /**
     * The leaves of {@code tree}, which must have the structure and leaf shapes of {@code like}
     * (the flattened updates).
     */
    static List<Tensor> leavesLike(String op, String what, Object tree, Pytree.Flat like) {
        Pytree.Flat f = Pytree.flatten(tree);
        if (!f.def().sameStructure(like.def())) {
            throw new IllegalArgumentException(op + ": " + what + " has structure " + f.def()
                    + " but the updates have structure " + like.def()
                    + " (was the state initialised with other parameters?)");
        }
        for (int i = 0; i < f.leaves().size(); i++) {
            int[] a = f.leaves().get(i).shape();
            int[] b = like.leaves().get(i).shape();
            if (!Arrays.equals(a, b)) {
                throw new ShapeException(op + ": leaf " + i + " of " + what + " has shape " + Arrays.toString(a)
                        + " but the update leaf has shape " + Arrays.toString(b));
            }
        }
        return f.leaves();
    }

    @SuppressWarnings("unchecked")
    static <P> P unflatten(Pytree.Flat like, List<Tensor> leaves) {
        return (P) like.def().unflatten(leaves);
    }

    static void requireFinite(String op, String name, double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException(op + ": " + name + " must be finite, got " + value);
        }
    }

    static void requireNonNegative(String op, String name, double value) {
        requireFinite(op, name, value);
        if (value < 0) {
            throw new IllegalArgumentException(op + ": " + name + " must be >= 0, got " + value);
        }
    }

    static void requireDecay(String op, String name, double value) {
        if (!(value >= 0 && value < 1)) {
            throw new IllegalArgumentException(op + ": " + name + " must be in [0, 1), got " + value);
        }
    }

    static void requirePositive(String op, String name, double value) {
        requireFinite(op, name, value);
        if (value <= 0) {
            throw new IllegalArgumentException(op + ": " + name + " must be > 0, got " + value);
        }
    }

    /** A 0-d step tensor with a finite value (possibly traced). */
    static Tensor requireScalar(String op, String name, Tensor value) {
        if (value == null) {
            throw new IllegalArgumentException(op + ": " + name + " is null");
        }
        if (value.rank() != 0) {
            throw new ShapeException(op + ": " + name + " must be a 0-d tensor, got shape "
                    + Arrays.toString(value.shape()));
        }
        requireFinite(op, name, value.item());
        return value;
    }

    /** A learning rate: a finite, non-negative 0-d tensor (possibly traced). */
    static Tensor requireLearningRate(String op, Tensor lr) {
        requireScalar(op, "learningRate", lr);
        if (lr.item() < 0) {
            throw new IllegalArgumentException(op + ": learningRate must be >= 0, got " + lr.item()
                    + " (a negative learning rate ascends; use Transforms.scale(step) for a signed step)");
        }
        return lr;
    }
}
