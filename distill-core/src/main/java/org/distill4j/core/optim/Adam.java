package org.distill4j.core.optim;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.CustomOp;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.impl.updaters.AdamUpdater;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Adam (Kingma and Ba) as torch.optim.Adam, or AdamW (decoupled weight decay, Loshchilov and Hutter) as
 * torch.optim.AdamW: p -= lr * m_hat / (sqrt(v_hat) + eps).
 */
public final class Adam implements Optimizer {

    private final double beta1;
    private final double beta2;
    private final double eps;
    private final boolean decoupledWeightDecay;

    /**
     * @param decoupledWeightDecay true for AdamW (p *= 1 - lr * wd), false for Adam's L2 (g += wd * p)
     */
    public Adam(double beta1, double beta2, double eps, boolean decoupledWeightDecay) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.decoupledWeightDecay = decoupledWeightDecay;
    }

    @Override
    public List<String> stateNames() {
        return List.of("m", "v");
    }

    @Override
    public void update(INDArray param, INDArray grad, List<INDArray> state, long step, double learningRate,
                       double weightDecay) {
        INDArray m = state.get(0);
        INDArray v = state.get(1);
        INDArray g = grad;
        if (weightDecay != 0) {
            if (decoupledWeightDecay) {
                param.muli(1.0 - learningRate * weightDecay);
            } else {
                g = grad.add(param.mul(weightDecay));
            }
        }
        // One native op per parameter (ND4J's adam_updater) instead of about ten array operations. It computes
        // lr * sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + eps'); eps' = eps * sqrt(1 - beta2^t) makes that
        // torch's lr / (1 - beta1^t) * m / (sqrt(v / (1 - beta2^t)) + eps) exactly.
        double biasCorrection2 = 1.0 - Math.pow(beta2, step);
        INDArray update = g == grad ? Nd4j.createUninitialized(grad.dataType(), grad.shape()) : g;
        execReleasingArrays(new AdamUpdater(g, v, m, update, v, m, learningRate, beta1, beta2,
                eps * Math.sqrt(biasCorrection2), Math.toIntExact(step - 1)));
        param.subi(update);
    }

    /**
     * Runs a custom op and lets go of its arrays. {@code Nd4j.exec} runs a custom op in a native context that keeps a
     * reference to each input and output buffer until the JVM collects the context (M2.1's
     * {@code CpuOpContext.close()} does nothing; {@code purge()} drops them). A buffer with such a reference has a use
     * count of 2, and SameDiff's array cache then refuses it: the gradients the training loop gives back after the
     * update ({@link org.distill4j.core.graph.ArrayRecycling#giveBack}) were closed instead of reused.
     */
    static void execReleasingArrays(CustomOp op) {
        OpContext context = Nd4j.getExecutioner().buildContext();
        try {
            context.setInputArrays(op.inputArguments());
            context.setOutputArrays(op.outputArguments());
            context.setTArguments(op.tArgs());
            context.setIArguments(op.iArgs());
            context.setBArguments(op.bArgs());
            Nd4j.getExecutioner().exec(op, context);
        } finally {
            context.purge();
        }
    }
}
