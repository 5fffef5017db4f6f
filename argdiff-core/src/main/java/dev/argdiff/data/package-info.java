/**
 * Small bundled data sets and data generators for examples, tests and benchmarks.
 *
 * <p>Start with {@link dev.argdiff.data.Datasets}: {@code diabetesSplit()} (the train/validation
 * split of JAXopt's implicit-differentiation examples), {@code diabetesRaw()}, {@code digits()}
 * and {@code readCsv(path)} for your own numeric CSV files. {@link dev.argdiff.data.SyntheticLasso}
 * generates reproducible sparse-regression problems. The sources and licences of the bundled
 * files are in {@code dev/argdiff/data/PROVENANCE.md}, next to them in the jar.
 */
package dev.argdiff.data;
