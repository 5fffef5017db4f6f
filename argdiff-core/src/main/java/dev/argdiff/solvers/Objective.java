package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.tensor.Tensor;

import java.util.function.BiFunction;

/**
 * The smooth objective f(x, θ) of a gradient solver, in one of the forms JAXopt selects with its
 * {@code has_aux} and {@code value_and_grad} options. In Java the form is the function's return
 * type, so each form has its own factory:
 * <ul>
 *   <li>{@link #of}: the value; the gradient by reverse-mode autodiff;</li>
 *   <li>{@link #withAux} ({@code has_aux}): the value and auxiliary data (a tree), which the
 *       solver's state carries at the current iterate;</li>
 *   <li>{@link #valueAndGrad} ({@code value_and_grad}): the value and a gradient the user computes
 *       (e.g. in closed form). It must be written with tensor operations of x and θ: implicit
 *       differentiation differentiates this gradient (the optimality condition F = ∇ₓf), and a
 *       wrong gradient gives a wrong solution and a wrong derivative;</li>
 *   <li>{@link #valueAndGradWithAux}: both.</li>
 * </ul>
 * Every form answers value, value and gradient, and aux. The value of a user-supplied
 * value-and-gradient function costs its gradient too (as in JAXopt).
 *
 * @param <X> the tree type of x
 * @param <A> the arguments θ
 */
public final class Objective<X, A> {

    private final BiFunction<X, A, Tensor> value;
    private final BiFunction<X, A, Autodiff.Aux<Object>> valueAux;
    private final BiFunction<X, A, Autodiff.ValueAuxAndGrad<X, Object>> valueAuxGrad;
    private final boolean hasAux;

    private Objective(BiFunction<X, A, Tensor> value, BiFunction<X, A, Autodiff.Aux<Object>> valueAux,
                      BiFunction<X, A, Autodiff.ValueAuxAndGrad<X, Object>> valueAuxGrad, boolean hasAux) {
        this.value = value;
        this.valueAux = valueAux;
        this.valueAuxGrad = valueAuxGrad;
        this.hasAux = hasAux;
    }

    /** f(x, θ) returning a scalar; gradients by autodiff. @throws IllegalArgumentException if fun is null */
    public static <X, A> Objective<X, A> of(BiFunction<X, A, Tensor> fun) {
        require(fun, "of");
        return new Objective<>(fun, (x, a) -> new Autodiff.Aux<>(fun.apply(x, a), null),
                (x, a) -> {
                    Autodiff.ValueAndGrad<X> vg = Autodiff.valueAndGrad((X z) -> fun.apply(z, a)).apply(x);
                    return new Autodiff.ValueAuxAndGrad<>(vg.value(), null, vg.gradient());
                }, false);
    }

    /**
     * f(x, θ) returning its value and auxiliary data (JAXopt's {@code has_aux=True}).
     *
     * @throws IllegalArgumentException if fun is null
     */
    @SuppressWarnings("unchecked")
    public static <X, A> Objective<X, A> withAux(BiFunction<X, A, ? extends Autodiff.Aux<?>> fun) {
        require(fun, "withAux");
        BiFunction<X, A, Autodiff.Aux<Object>> f = (x, a) -> (Autodiff.Aux<Object>) checked(fun.apply(x, a));
        return new Objective<>((x, a) -> f.apply(x, a).value(), f,
                (x, a) -> Autodiff.valueAndGradWithAux((X z) -> f.apply(z, a)).apply(x), true);
    }

    /**
     * f(x, θ) returning its value and gradient ∇ₓf (JAXopt's {@code value_and_grad=True}).
     *
     * @throws IllegalArgumentException if fun is null
     */
    public static <X, A> Objective<X, A> valueAndGrad(BiFunction<X, A, Autodiff.ValueAndGrad<X>> fun) {
        require(fun, "valueAndGrad");
        BiFunction<X, A, Autodiff.ValueAuxAndGrad<X, Object>> f = (x, a) -> {
            Autodiff.ValueAndGrad<X> vg = checked(fun.apply(x, a));
            return new Autodiff.ValueAuxAndGrad<>(vg.value(), null, vg.gradient());
        };
        return new Objective<>((x, a) -> f.apply(x, a).value(),
                (x, a) -> new Autodiff.Aux<>(f.apply(x, a).value(), null), f, false);
    }

    /**
     * f(x, θ) returning its value, auxiliary data and gradient (both JAXopt options).
     *
     * @throws IllegalArgumentException if fun is null
     */
    @SuppressWarnings("unchecked")
    public static <X, A> Objective<X, A> valueAndGradWithAux(
            BiFunction<X, A, ? extends Autodiff.ValueAuxAndGrad<X, ?>> fun) {
        require(fun, "valueAndGradWithAux");
        BiFunction<X, A, Autodiff.ValueAuxAndGrad<X, Object>> f =
                (x, a) -> (Autodiff.ValueAuxAndGrad<X, Object>) checked(fun.apply(x, a));
        return new Objective<>((x, a) -> f.apply(x, a).value(), (x, a) -> {
            Autodiff.ValueAuxAndGrad<X, Object> r = f.apply(x, a);
            return new Autodiff.Aux<>(r.value(), r.aux());
        }, f, true);
    }

    /** Whether the function returns auxiliary data. */
    public boolean hasAux() {
        return hasAux;
    }

    /** f(x, θ). */
    public Tensor value(X x, A a) {
        return value.apply(x, a);
    }

    /** f(x, θ) and its aux (null without aux). */
    public Autodiff.Aux<Object> valueAndAux(X x, A a) {
        return valueAux.apply(x, a);
    }

    /** f(x, θ), its aux (null without aux) and ∇ₓf(x, θ). */
    public Autodiff.ValueAuxAndGrad<X, Object> valueAuxAndGrad(X x, A a) {
        return valueAuxGrad.apply(x, a);
    }

    /** f(x, θ) and ∇ₓf(x, θ). */
    public Autodiff.ValueAndGrad<X> valueAndGrad(X x, A a) {
        Autodiff.ValueAuxAndGrad<X, Object> r = valueAuxGrad.apply(x, a);
        return new Autodiff.ValueAndGrad<>(r.value(), r.gradient());
    }

    /** ∇ₓf(x, θ). */
    public X grad(X x, A a) {
        return valueAuxGrad.apply(x, a).gradient();
    }

    private static void require(Object fun, String factory) {
        if (fun == null) {
            throw new IllegalArgumentException("Objective." + factory + ": fun is null");
        }
    }

    private static <T> T checked(T out) {
        if (out == null) {
            throw new IllegalArgumentException("Objective: fun returned null; it must return the value"
                    + " (and the aux or gradient of its form)");
        }
        return out;
    }
}
