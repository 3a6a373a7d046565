/**
 * The training loop shared by BasicTrainer, BasicDistiller and GeneralDistiller: loss wiring, teacher outputs, updates, checkpoints and listeners.
 */
package org.distill4j.core.train;
