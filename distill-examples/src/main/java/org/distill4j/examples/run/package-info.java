/**
 * Whole runs on a text-classification task from one file ({@link org.distill4j.examples.run.RunSpec}): fine-tune a
 * teacher, distil it, evaluate, with a run folder of configuration, provenance, metrics, checkpoints and plots.
 */
package org.distill4j.examples.run;
