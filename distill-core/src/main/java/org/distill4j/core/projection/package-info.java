/**
 * Trainable projections that map student features to the teacher's width.
 */
package org.distill4j.core.projection;
