/**
 * Not API: the tracing machinery under {@link dev.argdiff.tensor.Tensor} and
 * {@link dev.argdiff.ad.Autodiff}. It may change in any release; use {@code Autodiff} instead.
 *
 * <p>{@link dev.argdiff.tensor.internal.Dispatch} routes every primitive to the innermost active
 * {@link dev.argdiff.tensor.internal.Trace} among its inputs (per thread) and keeps the concrete,
 * substitution and evaluation scopes; a traced tensor carries a
 * {@link dev.argdiff.tensor.internal.Tracer} (made and read through
 * {@link dev.argdiff.tensor.internal.TracedTensors}); a
 * {@link dev.argdiff.tensor.internal.CustomRule} is a function with its own derivative rules
 * (checkpoints, implicit differentiation, linear solves). The traces themselves (forward and
 * reverse mode) are in {@code dev.argdiff.ad}.
 *
 * <p>Public only because {@code dev.argdiff.ad}, {@code implicit} and {@code linalg} use it: the
 * library runs on the class path (and under Surefire's class path), where a module descriptor
 * hides nothing, so the package name is what marks it.
 */
package dev.argdiff.tensor.internal;
