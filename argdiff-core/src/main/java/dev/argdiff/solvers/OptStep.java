package dev.argdiff.solvers;

/** Parameters and solver state after an update (JAXopt's OptStep). */
public record OptStep<X, S>(X params, S state) {
}
