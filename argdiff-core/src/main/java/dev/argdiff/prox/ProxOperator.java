package dev.argdiff.prox;

/**
 * A proximal operator prox_{s·g}(x) = argmin_y ½‖y − x‖² + s·g(y, θ), where θ are the
 * hyperparameters (taken from {@code hyperparams}, e.g. the regularization strength in a record
 * of arguments) and s is the scaling (a step size).
 *
 * @param <X> the tree type of x
 * @param <A> the type of the hyperparameters
 */
@FunctionalInterface
public interface ProxOperator<X, A> {
    X apply(X x, A hyperparams, double scaling);
}
