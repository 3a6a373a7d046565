package org.distill4j.core.loss;

import static org.distill4j.core.loss.SdMath.maskedMean;
import static org.distill4j.core.loss.SdMath.meanLast;
import static org.distill4j.core.loss.SdMath.softmaxLast;

import org.distill4j.core.registry.Registry;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * The built-in KD losses. Every one reduces to a mean over rows ([B] rows, or the [B, L] positions the mask
 * selects), so the value does not grow with batch size or sequence length.
 */
public final class KdLosses {

    private KdLosses() {
    }

    /**
     * Soft cross-entropy: -mean_rows(sum_c softmax(T/tau)_c * log_softmax(S/tau)_c). TextBrewer's kd_ce_loss; no
     * tau^2 factor, as in TextBrewer.
     */
    public static final KdLoss CE = (sd, s, t, tau, mask) -> {
        SDVariable target = softmaxLast(sd, t.div(tau));
        SDVariable rowLoss = SdMath.softmaxCrossEntropyRows(sd, s.div(tau), target);
        return maskedMean(sd, rowLoss, mask);
    };

    /** Mean squared error of the tempered logits: mean((S/tau - T/tau)^2). TextBrewer's kd_mse_loss. */
    public static final KdLoss MSE = (sd, s, t, tau, mask) -> {
        SDVariable diff = s.div(tau).sub(t.div(tau));
        return maskedMean(sd, meanLast(diff.mul(diff)), mask);
    };

    /**
     * Multi-label KD (not in TextBrewer): binary cross-entropy of sigmoid(S/tau) against the teacher's
     * probabilities sigmoid(T/tau), per class, averaged. Uses the stable form max(z,0) - z*p + log(1 + exp(-|z|)).
     */
    public static final KdLoss BCE = (sd, s, t, tau, mask) -> {
        SDVariable z = s.div(tau);
        SDVariable p = sd.nn.sigmoid(t.div(tau));
        SDVariable elementLoss = SdMath.sigmoidCrossEntropy(sd, z, p);
        return maskedMean(sd, meanLast(elementLoss), mask);
    };

    /** A new registry holding ce, mse and bce. */
    public static Registry<KdLoss> registry() {
        return new Registry<KdLoss>("KD loss")
                .register("ce", CE)
                .register("mse", MSE)
                .register("bce", BCE);
    }
}
