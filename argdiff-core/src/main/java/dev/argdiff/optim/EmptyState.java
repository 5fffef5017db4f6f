package dev.argdiff.optim;

/** The state of a stateless transformation (Optax's {@code EmptyState}). */
public record EmptyState() {
    /** The shared instance; any {@code new EmptyState()} is equal to it. */
    public static final EmptyState INSTANCE = new EmptyState();
}
