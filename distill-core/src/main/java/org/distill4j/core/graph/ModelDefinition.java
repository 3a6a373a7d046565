package org.distill4j.core.graph;

import org.nd4j.autodiff.samediff.SameDiff;

/**
 * Builds a model into a graph. The student is given as a definition (not a built graph) so Distill4j can build it
 * again for a clean inference export and for resuming.
 */
@FunctionalInterface
public interface ModelDefinition {

    /**
     * Adds the model's placeholders, parameters and outputs to {@code sd}.
     *
     * @param seed seed for the parameter initialisation
     * @return the adaptor naming the model's inputs and outputs
     */
    ModelAdaptor build(SameDiff sd, long seed);
}
