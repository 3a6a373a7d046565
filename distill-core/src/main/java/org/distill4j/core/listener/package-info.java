/**
 * Hooks into the training loop and the ready-made listeners: console progress, metrics file, early stopping.
 */
package org.distill4j.core.listener;
