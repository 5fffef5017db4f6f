/**
 * Output helpers shared by the examples: {@link dev.argdiff.examples.output.JsonOutput}
 * (JSON Lines), {@link dev.argdiff.examples.output.Summary} (the closing summary as text and as
 * the last JSON record), {@link dev.argdiff.examples.output.Plots} (PNG charts),
 * {@link dev.argdiff.examples.output.ImageGrid} (PNG image grids) and
 * {@link dev.argdiff.examples.output.Progress} (a progress bar that never mixes with results).
 */
package dev.argdiff.examples.output;
