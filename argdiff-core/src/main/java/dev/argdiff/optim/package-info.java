/**
 * First-order optimizers as composable gradient transformations, with Optax's semantics and
 * defaults; {@link dev.argdiff.solvers.OptimizerSolver} runs one on an objective.
 *
 * <ul>
 *   <li>{@link dev.argdiff.optim.GradientTransformation}: {@code init} + {@code update} with
 *       immutable record states, and {@code chain};</li>
 *   <li>{@link dev.argdiff.optim.Transforms}: scale, scaleByLearningRate, scaleByAdam, trace,
 *       addDecayedWeights, clipByGlobalNorm, identity, stateless;</li>
 *   <li>{@link dev.argdiff.optim.Optimizers}: sgd, momentum, adam, adamw, applyUpdates,
 *       globalNorm.</li>
 * </ul>
 *
 * <p>Parameters are any pytree, and every update is written with differentiable tensor
 * operations, so gradients through optimizer steps (with respect to the initial parameters, the
 * data, or a learning rate given as a tensor) are exact. Reference: the Optax library
 * (google-deepmind/optax), {@code base.py}, {@code transform.py}, {@code alias.py},
 * {@code combine.py}.
 */
package dev.argdiff.optim;
