package org.distill4j.core.loss;

import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Small SameDiff building blocks shared by the losses, written only with ops whose gradients we verified on M2.1
 * (see the SameDiff notes): softmax and logSoftmax on the last axis only (logSoftmax(x, dim) cannot build its
 * gradient), no logSumExp, no tensorMmul.
 */
public final class SdMath {

    private SdMath() {
    }

    /** A scalar constant of x's data type. */
    public static SDVariable scalar(SameDiff sd, SDVariable like, double value) {
        return sd.constant(Nd4j.scalar(like.dataType(), value));
    }

    /** Softmax over the last axis. */
    public static SDVariable softmaxLast(SameDiff sd, SDVariable x) {
        return sd.nn.softmax(x, -1);
    }

    /**
     * Log-softmax over the last axis, computed as (x - max) - log(sum(exp(x - max))). M2.1's logSoftmax(x) returns
     * -infinity where x is far below the row maximum (e.g. -10000 attention masking), and 0 * -inf then poisons
     * the loss with NaN; logSoftmax(x, dim) cannot even build its gradient. Reductions use keepDims=false then
     * {@link #keepLastAxis}, because M2.1's keepDims=true with axis -1 returns wrong values on rank >= 3. The max is held without gradient,
     * which does not change the gradient since log-softmax is shift-invariant.
     */
    public static SDVariable logSoftmaxLast(SameDiff sd, SDVariable x) {
        SDVariable shifted = x.sub(stopGradient(sd, keepLastAxis(sd, x.max(-1))));
        return shifted.sub(keepLastAxis(sd, sd.math.log(sd.math.exp(shifted).sum(-1))));
    }

    /**
     * Re-inserts a reduced last axis: [...] -> [..., 1]. Use this instead of keepDims=true: on M2.1,
     * x.sum(true, -1) / x.max(true, -1) on rank >= 3 return wrong values (see SameDiffWorkaroundsTest).
     */
    public static SDVariable keepLastAxis(SameDiff sd, SDVariable reduced) {
        return sd.expandDims(reduced, -1);
    }

    /** Sum over the last axis: [..., D] -> [...]. */
    public static SDVariable sumLast(SDVariable x) {
        return x.sum(-1);
    }

    /** Mean over the last axis: [..., D] -> [...]. */
    public static SDVariable meanLast(SDVariable x) {
        return x.mean(-1);
    }

    /**
     * Mean of per-row values over the rows a mask selects: sum(v * m) / sum(m). Without a mask, the plain mean.
     *
     * @param rowValues [B] or [B, L]
     * @param mask      same shape, 1 for rows that count, or null
     */
    public static SDVariable maskedMean(SameDiff sd, SDVariable rowValues, SDVariable mask) {
        if (mask == null) {
            return rowValues.mean();
        }
        return rowValues.mul(mask).sum().div(mask.sum());
    }

    /**
     * Cross-entropy of each row against target distributions: -sum_c target_c * log_softmax(logits)_c over the last
     * axis, [..., C] -> [...]. With one-hot targets this is the hard-label loss of a classifier.
     */
    public static SDVariable softmaxCrossEntropyRows(SameDiff sd, SDVariable logits, SDVariable targets) {
        return sumLast(targets.mul(logSoftmaxLast(sd, logits))).neg();
    }

    /**
     * Binary cross-entropy of sigmoid(z) against probabilities p, element-wise, in the stable form
     * max(z, 0) - z p + log(1 + exp(-|z|)).
     */
    public static SDVariable sigmoidCrossEntropy(SameDiff sd, SDVariable z, SDVariable p) {
        SDVariable softplusNegAbs = sd.math.log(sd.math.exp(sd.math.abs(z).neg()).add(1.0));
        return sd.nn.relu(z, 0).sub(z.mul(p)).add(softplusNegAbs);
    }

    /**
     * x [B, L, in] times weight [in, out] (+ bias [out]) -> [B, L, out]. Flattened to [B * L, in] for the product
     * because mmul wants equal ranks and tensorMmul 3D x 2D has no working gradient.
     *
     * @param bias may be null
     */
    public static SDVariable denseLastAxis(SameDiff sd, SDVariable x, SDVariable weight, SDVariable bias, int in, int out) {
        SDVariable y = sd.mmul(sd.reshape(x, -1, in), weight);
        if (bias != null) {
            y = y.add(bias);
        }
        SDVariable leading = x.shape().get(SDIndex.interval(0, 2));
        return sd.reshape(y, sd.concat(0, leading, sd.constant(Nd4j.createFromArray((long) out))));
    }

    /** 1 where x > threshold, else 0, as x's type and with no gradient (for TextBrewer's "<= -1e-3 is masked"). */
    public static SDVariable above(SameDiff sd, SDVariable x, double threshold) {
        return stopGradient(sd, x.gt(threshold).castTo(x.dataType()));
    }

    /** The same values with no gradient flowing back. */
    public static SDVariable stopGradient(SameDiff sd, SDVariable x) {
        return new StopGradient(sd, x).outputVariable();
    }

    /** Size of dimension {@code dim} as a scalar of x's type. */
    public static SDVariable size(SameDiff sd, SDVariable x, int dim) {
        return sd.sizeAt(x, dim).castTo(x.dataType());
    }

    /** [B, L] mask -> [B, L, 1], to broadcast over the feature axis. */
    public static SDVariable perPosition(SameDiff sd, SDVariable mask) {
        return sd.expandDims(mask, 2);
    }

    /** x[:, 0, :] of a [B, L, D] tensor: [B, D]. */
    public static SDVariable firstPosition(SDVariable x) {
        return x.get(SDIndex.all(), SDIndex.point(0), SDIndex.all());
    }

    /**
     * Rows divided by their L2 norm over the last axis, as torch.nn.functional.normalize (norm floored at 1e-12).
     */
    public static SDVariable l2Normalize(SameDiff sd, SDVariable x) {
        SDVariable norm = keepLastAxis(sd, sd.math.sqrt(x.mul(x).sum(-1)));
        return x.div(sd.math.max(norm, scalar(sd, x, 1e-12)));
    }

    /**
     * Splits the last axis into heads: [B, L, D] -> [B, R, L, D/R] (head r takes dimensions r*d .. (r+1)*d - 1).
     */
    public static SDVariable splitHeads(SameDiff sd, SDVariable x, int heads, long width) {
        SDVariable shape = x.shape();
        SDVariable leading = shape.get(SDIndex.interval(0, 2));
        SDVariable tail = sd.constant(Nd4j.createFromArray((long) heads, width / heads));
        SDVariable split = sd.reshape(x, sd.concat(0, leading, tail));
        return sd.permute(split, 0, 2, 1, 3);
    }
}
