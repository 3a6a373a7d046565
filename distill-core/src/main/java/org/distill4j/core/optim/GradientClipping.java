package org.distill4j.core.optim;

import java.util.Collection;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Global-norm gradient clipping over a set of gradients, as torch.nn.utils.clip_grad_norm_. */
public final class GradientClipping {

    private GradientClipping() {
    }

    /** The L2 norm of all gradients taken together. */
    public static double globalNorm(Collection<INDArray> grads) {
        double sumSquares = 0;
        for (INDArray g : grads) {
            double n = g.norm2Number().doubleValue();
            sumSquares += n * n;
        }
        return Math.sqrt(sumSquares);
    }

    /**
     * Scales all gradients in place by min(1, maxNorm / (norm + 1e-6)).
     *
     * @return the global norm before clipping
     */
    public static double clipGlobalNorm(Collection<INDArray> grads, double maxNorm) {
        double norm = globalNorm(grads);
        double scale = maxNorm / (norm + 1e-6);
        if (scale < 1) {
            for (INDArray g : grads) {
                g.muli(scale);
            }
        }
        return norm;
    }
}
