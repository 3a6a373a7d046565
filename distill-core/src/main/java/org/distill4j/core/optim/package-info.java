/**
 * Optimizers (AdamW, Adam, SGD) and global-norm gradient clipping, with state the training loop owns and checkpoints.
 */
package org.distill4j.core.optim;
