/**
 * Euclidean projections onto convex sets, for {@link dev.argdiff.solvers.ProjectedGradient}.
 *
 * <p>{@link dev.argdiff.projection.Projection} holds the projections (non-negative orthant, box, hypercube, ℓ∞,
 * ℓ1 and ℓ2 balls and spheres, simplex, hyperplane, half-space, affine set) as differentiable functions;
 * {@link dev.argdiff.projection.TransportPolytope} the Euclidean and KL projections onto the transportation
 * and Birkhoff polytopes;
 * {@link dev.argdiff.projection.ProjectionOperator} is the shape a solver takes, a projection
 * with its parameters θ.
 */
package dev.argdiff.projection;
