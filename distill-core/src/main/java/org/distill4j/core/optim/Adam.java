package org.distill4j.core.optim;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

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
        m.muli(beta1).addi(g.mul(1.0 - beta1));
        v.muli(beta2).addi(g.mul(g).muli(1.0 - beta2));
        double biasCorrection1 = 1.0 - Math.pow(beta1, step);
        double biasCorrection2 = 1.0 - Math.pow(beta2, step);
        INDArray denominator = Transforms.sqrt(v, true).divi(Math.sqrt(biasCorrection2)).addi(eps);
        param.subi(m.div(denominator).muli(learningRate / biasCorrection1));
    }
}
