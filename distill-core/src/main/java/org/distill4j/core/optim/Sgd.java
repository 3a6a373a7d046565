package org.distill4j.core.optim;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Stochastic gradient descent with optional momentum, as torch.optim.SGD (no dampening, no Nesterov). */
public final class Sgd implements Optimizer {

    private final double momentum;

    /** @param momentum momentum in [0, 1); 0 for plain SGD */
    public Sgd(double momentum) {
        this.momentum = momentum;
    }

    @Override
    public List<String> stateNames() {
        return momentum == 0 ? List.of() : List.of("momentum");
    }

    @Override
    public void update(INDArray param, INDArray grad, List<INDArray> state, long step, double learningRate,
                       double weightDecay) {
        INDArray g = weightDecay == 0 ? grad : grad.add(param.mul(weightDecay));
        if (momentum != 0) {
            INDArray buffer = state.get(0);
            buffer.muli(momentum).addi(g);
            g = buffer;
        }
        param.subi(g.mul(learningRate));
    }
}
