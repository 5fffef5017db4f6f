package dev.argdiff.implicit;

/**
 * A solver's output with auxiliary data (a state, iteration counts). Under implicit
 * differentiation the solution gets the implicit derivative and the auxiliary data none.
 */
public record WithAux<X, Y>(X solution, Y aux) {
}
