/**
 * Runnable examples; {@link org.distill4j.examples.Quickstart} is the README's main command.
 */
package org.distill4j.examples;
