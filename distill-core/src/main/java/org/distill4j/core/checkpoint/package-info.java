/**
 * Atomic, checksummed, resumable checkpoints and the exported inference model.
 */
package org.distill4j.core.checkpoint;
