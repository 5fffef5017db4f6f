package dev.argdiff.solvers;

import dev.argdiff.ad.Pytree;
import dev.argdiff.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Trees of tensors viewed as one flat vector, with differentiable tensor operations (so that an
 * unrolled solver differentiates through them). Package-private helper of the solvers.
 */
final class TreeVectors {
    private TreeVectors() {
    }

    /** All leaves of a tree, flattened and concatenated into one 1-d tensor (differentiable). */
    static Tensor flatten(Object tree) {
        List<Tensor> leaves = Pytree.leaves(tree);
        if (leaves.isEmpty()) {
            throw new IllegalArgumentException("the parameters have no tensor leaves");
        }
        List<Tensor> parts = new ArrayList<>(leaves.size());
        for (Tensor t : leaves) {
            parts.add(t.flatten());
        }
        return Tensor.concatenate(parts, 0);
    }

    /** The inverse of {@link #flatten}: a tree shaped like {@code like} from a 1-d tensor (differentiable). */
    @SuppressWarnings("unchecked")
    static <X> X unflatten(X like, Tensor flat) {
        Pytree.Flat f = Pytree.flatten(like);
        List<Tensor> out = new ArrayList<>(f.leaves().size());
        int k = 0;
        for (Tensor t : f.leaves()) {
            int n = t.size();
            out.add(flat.slice(0, k, k + n).reshape(t.shape()));
            k += n;
        }
        return (X) f.def().unflatten(out);
    }
}
