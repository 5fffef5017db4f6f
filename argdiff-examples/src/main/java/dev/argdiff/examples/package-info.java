/**
 * The {@code argdiff} command line and its runnable examples (not a library API).
 *
 * <p>Start with {@link dev.argdiff.examples.Main} (picocli). Each example is a pair: a
 * {@code ...Example} class that computes (for instance {@link dev.argdiff.examples.RidgeExample},
 * JAXopt's ridge hyperparameter example, the main job) and a {@code ...Command} class that prints
 * its table, its summary, its {@code --json} records and its plots. Reading an {@code ...Example}
 * is the quickest way to see the library used on a real problem.
 */
package dev.argdiff.examples;
