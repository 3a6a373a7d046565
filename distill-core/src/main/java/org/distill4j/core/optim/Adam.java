package org.distill4j.core.optim;

import java.util.List;
import org.distill4j.core.graph.ArrayRecycling;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.SubOp;
import org.nd4j.linalg.api.ops.impl.updaters.AdamUpdater;

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
                g = ArrayRecycling.borrow(grad.dataType(), grad.shape());
                ArrayRecycling.execReleasingArrays(new AddOp(grad, param.mul(weightDecay), g));
            }
        }
        // One native op per parameter (ND4J's adam_updater) instead of about ten array operations. It computes
        // lr * sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + eps'); eps' = eps * sqrt(1 - beta2^t) makes that
        // torch's lr / (1 - beta1^t) * m / (sqrt(v / (1 - beta2^t)) + eps) exactly.
        double biasCorrection2 = 1.0 - Math.pow(beta2, step);
        // In a training step the update array is the previous step's memory (ArrayRecycling.borrow), and the ops'
        // contexts let go of their arrays, so the loop can give the gradient and the update back to the array cache.
        INDArray update = g == grad ? ArrayRecycling.borrow(grad.dataType(), grad.shape()) : g;
        ArrayRecycling.execReleasingArrays(new AdamUpdater(g, v, m, update, v, m, learningRate, beta1, beta2,
                eps * Math.sqrt(biasCorrection2), Math.toIntExact(step - 1)));
        ArrayRecycling.execReleasingArrays(new SubOp(param, update, param)); // param -= update
    }
}
