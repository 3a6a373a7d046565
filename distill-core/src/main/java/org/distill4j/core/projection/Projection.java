package org.distill4j.core.projection;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * The activation of a projection y = act(x W + b) that maps a student feature [..., D_S] to the teacher's width
 * [..., D_T]. The weights are created by {@link ProjectionLayer}; registries name the activation.
 */
@FunctionalInterface
public interface Projection {

    /** Applies the activation to the linear map's output. */
    SDVariable activate(SameDiff sd, SDVariable linear);

    /** No activation. */
    Projection LINEAR = (sd, x) -> x;
    /** ReLU after the linear map. */
    Projection RELU = (sd, x) -> sd.nn.relu(x, 0);
    /** tanh after the linear map. */
    Projection TANH = (sd, x) -> sd.math.tanh(x);

    /** A new registry holding linear, relu and tanh. */
    static org.distill4j.core.registry.Registry<Projection> registry() {
        return new org.distill4j.core.registry.Registry<Projection>("projection")
                .register("linear", LINEAR)
                .register("relu", RELU)
                .register("tanh", TANH);
    }
}
