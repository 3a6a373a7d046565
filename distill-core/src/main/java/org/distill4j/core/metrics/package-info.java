/**
 * Evaluation metrics for classification: accuracy and teacher agreement.
 */
package org.distill4j.core.metrics;
