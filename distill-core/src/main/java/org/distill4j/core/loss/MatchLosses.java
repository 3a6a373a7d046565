package org.distill4j.core.loss;

import static org.distill4j.core.loss.SdMath.above;
import static org.distill4j.core.loss.SdMath.firstPosition;
import static org.distill4j.core.loss.SdMath.l2Normalize;
import static org.distill4j.core.loss.SdMath.logSoftmaxLast;
import static org.distill4j.core.loss.SdMath.maskedMean;
import static org.distill4j.core.loss.SdMath.meanLast;
import static org.distill4j.core.loss.SdMath.perPosition;
import static org.distill4j.core.loss.SdMath.scalar;
import static org.distill4j.core.loss.SdMath.size;
import static org.distill4j.core.loss.SdMath.softmaxLast;
import static org.distill4j.core.loss.SdMath.splitHeads;
import static org.distill4j.core.loss.SdMath.sumLast;

import java.util.List;
import org.distill4j.core.registry.Registry;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * The built-in intermediate-feature losses, with TextBrewer's masking rules (mask = the student's inputs mask,
 * [B, L]). Without a mask, attention entries <= -1e-3 count as masked, since models add -10000 to masked scores.
 * The masked mmd/nst divides the Gram matrices by the width D, as the unmasked one does (TextBrewer 0.2.1 divides
 * the masked one by the length, which its later source corrected).
 */
public final class MatchLosses {

    private MatchLosses() {
    }

    /** sum((S-T)^2 * m) / (sum(m) * D); the plain mean without a mask. Inputs [B, L, D]. */
    public static final MatchLoss HIDDEN_MSE = MatchLoss.onHidden((sd, in) -> {
        SDVariable diff = in.s().sub(in.t());
        return maskedMean(sd, meanLast(diff.mul(diff)), in.mask());
    });

    /** Mean over valid positions of 1 - cos(S_i, T_i). Inputs [B, L, D]. */
    public static final MatchLoss COS = MatchLoss.onHidden((sd, in) -> {
        SDVariable s = in.s();
        SDVariable t = in.t();
        SDVariable eps = scalar(sd, s, 1e-12);
        SDVariable dot = sumLast(s.mul(t));
        SDVariable norms = sd.math.sqrt(sumLast(s.mul(s)).add(eps).mul(sumLast(t.mul(t)).add(eps)));
        SDVariable oneMinusCos = dot.div(norms).rsub(1.0);
        return maskedMean(sd, oneMinusCos, in.mask());
    });

    /** Patient KD: L2-normalised position 0 of [B, L, D], mean over the batch of sum_d (s - t)^2. */
    public static final MatchLoss PKD = MatchLoss.onHidden((sd, in) -> {
        SDVariable diff = l2Normalize(sd, firstPosition(in.s())).sub(l2Normalize(sd, firstPosition(in.t())));
        return sumLast(diff.mul(diff)).mean();
    });

    /** Mean squared error of attention maps [B, H, L, L]. */
    public static final MatchLoss ATTENTION_MSE = MatchLoss.onAttention(false, (sd, in) ->
            attentionMse(sd, in.s(), in.t(), in.mask(), true));

    /** Attention mse after summing the heads: [B, H, L, L] -> [B, L, L]; head counts may differ. */
    public static final MatchLoss ATTENTION_MSE_SUM = MatchLoss.onAttention(true, (sd, in) ->
            attentionMse(sd, in.s().sum(1), in.t().sum(1), in.mask(), false));

    /** Cross-entropy of attention rows: -sum softmax(T) * log_softmax(S), mean over valid (B, H, query). */
    public static final MatchLoss ATTENTION_CE = MatchLoss.onAttention(false, (sd, in) ->
            attentionCe(sd, in.s(), in.t(), in.mask(), true));

    /** Attention cross-entropy after averaging the heads; head counts may differ. */
    public static final MatchLoss ATTENTION_CE_MEAN = MatchLoss.onAttention(true, (sd, in) ->
            attentionCe(sd, in.s().mean(1), in.t().mean(1), in.mask(), false));

    /** FSP / Gram: G = X0^T X1 / L per example ([B, D, D]); mse(G_S, G_T). Pairs of [B, L, D]. */
    public static final MatchLoss FSP = new MatchLoss(true, List.of(), 3, false, false, (sd, in) -> {
        SDVariable gs = fspGram(sd, in.student().get(0), in.student().get(1), in.mask());
        SDVariable gt = fspGram(sd, in.teacher().get(0), in.teacher().get(1), in.mask());
        SDVariable diff = gs.sub(gt);
        return diff.mul(diff).mean();
    });

    /** MMD / NST: G = X0 X1^T / D per example ([B, L, L]); widths may differ. Pairs of [B, L, D]. */
    public static final MatchLoss MMD = new MatchLoss(true, List.of(), 3, true, false, (sd, in) -> {
        SDVariable gs = sd.mmul(in.student().get(0), in.student().get(1), false, true, false).div(in.studentWidth());
        SDVariable gt = sd.mmul(in.teacher().get(0), in.teacher().get(1), false, true, false).div(in.teacherWidth());
        SDVariable diff = gs.sub(gt);
        SDVariable sq = diff.mul(diff);
        if (in.mask() == null) {
            return sq.mean();
        }
        SDVariable pairMask = sd.onesLike(sq).mul(pairMask(sd, in.mask()));
        return sq.mul(pairMask).sum().div(pairMask.sum());
    });

    /**
     * MiniLM (v2) self-attention relation: per relation head, A = softmax(Q K^T / sqrt(d)) with masked keys
     * pushed to -10000; KL(A_T || A_S) averaged over valid queries. Reads the adaptor's query and key features
     * [B, L, D]; the head count is the match's relation_heads, so teacher and student head counts may differ.
     */
    public static final MatchLoss MINILM_ATTENTION = new MatchLoss(false, List.of("query", "key"), 3, true, true,
            (sd, in) -> relationKl(sd,
                    relationLogits(sd, in.student().get(0), in.student().get(1), in.mask(), in.relationHeads(), in.studentWidth()),
                    relationLogits(sd, in.teacher().get(0), in.teacher().get(1), in.mask(), in.relationHeads(), in.teacherWidth()),
                    in.mask()));

    /** MiniLM value relation: as {@link #MINILM_ATTENTION} with softmax(V V^T / sqrt(d)); reads the value feature. */
    public static final MatchLoss MINILM_VALUE = new MatchLoss(false, List.of("value"), 3, true, true,
            (sd, in) -> relationKl(sd,
                    relationLogits(sd, in.s(), in.s(), in.mask(), in.relationHeads(), in.studentWidth()),
                    relationLogits(sd, in.t(), in.t(), in.mask(), in.relationHeads(), in.teacherWidth()),
                    in.mask()));

    /** A new registry of the built-in match losses under TextBrewer's names (plus the MiniLM relations). */
    public static Registry<MatchLoss> registry() {
        return new Registry<MatchLoss>("match loss")
                .register("hidden_mse", HIDDEN_MSE)
                .register("cos", COS)
                .register("pkd", PKD)
                .register("attention_mse", ATTENTION_MSE)
                .register("attention_mse_sum", ATTENTION_MSE_SUM)
                .register("attention_ce", ATTENTION_CE)
                .register("attention_ce_mean", ATTENTION_CE_MEAN)
                .register("fsp", FSP)
                .register("gram", FSP)
                .register("mmd", MMD)
                .register("nst", MMD)
                .register("minilm_attention", MINILM_ATTENTION)
                .register("minilm_value", MINILM_VALUE);
    }

    /** m_i * m_j for a [B, L] mask, shaped to broadcast over [B, (H,) L, L]: [B, L, L] or [B, 1, L, L]. */
    private static SDVariable pairMask(SameDiff sd, SDVariable mask) {
        return sd.expandDims(mask, 2).mul(sd.expandDims(mask, 1));
    }

    /** @param withHeads true for [B, H, L, L] inputs, false for [B, L, L] */
    private static SDVariable attentionMse(SameDiff sd, SDVariable s, SDVariable t, SDVariable mask, boolean withHeads) {
        if (mask == null) {
            SDVariable diff = s.mul(above(sd, s, -1e-3)).sub(t.mul(above(sd, t, -1e-3)));
            return diff.mul(diff).mean();
        }
        SDVariable diff = s.sub(t);
        SDVariable sq = diff.mul(diff);
        SDVariable pairs = pairMask(sd, mask);
        if (withHeads) {
            pairs = sd.expandDims(pairs, 1);
        }
        SDVariable weights = sd.onesLike(sq).mul(pairs);
        return sq.mul(weights).sum().div(weights.sum());
    }

    private static SDVariable attentionCe(SameDiff sd, SDVariable s, SDVariable t, SDVariable mask, boolean withHeads) {
        SDVariable probsT = softmaxLast(sd, t);
        SDVariable logProbsS = logSoftmaxLast(sd, s);
        if (mask == null) {
            return sumLast(probsT.mul(above(sd, t, -1e-3)).mul(logProbsS)).mean().neg();
        }
        SDVariable keyMask = sd.expandDims(mask, 1);                                // [B, 1, L]
        SDVariable queryMask = mask;                                                // [B, L]
        if (withHeads) {
            keyMask = sd.expandDims(keyMask, 1);                                    // [B, 1, 1, L]
            queryMask = sd.expandDims(mask, 1);                                     // [B, 1, L]
        }
        SDVariable rows = sumLast(probsT.mul(logProbsS).mul(keyMask));             // [B, (H,) L]
        SDVariable queryWeights = sd.onesLike(rows).mul(queryMask);
        return rows.mul(queryWeights).sum().div(queryWeights.sum()).neg();
    }

    private static SDVariable fspGram(SameDiff sd, SDVariable x0, SDVariable x1, SDVariable mask) {
        if (mask == null) {
            return sd.mmul(x0, x1, true, false, false).div(size(sd, x1, 1));
        }
        SDVariable m = perPosition(sd, mask);                                       // [B, L, 1]
        SDVariable lengths = sd.expandDims(sd.expandDims(mask.sum(1), 1), 2);       // [B, 1, 1]
        return sd.mmul(x0.mul(m), x1.mul(m), true, false, false).div(lengths);
    }

    /** Relation scores X Y^T / sqrt(d) per relation head, with masked keys at -10000: [B, R, L, L]. */
    private static SDVariable relationLogits(SameDiff sd, SDVariable x, SDVariable y, SDVariable mask, int heads, long width) {
        SDVariable xh = splitHeads(sd, x, heads, width);
        SDVariable yh = splitHeads(sd, y, heads, width);
        SDVariable scores = sd.mmul(xh, yh, false, true, false).div(Math.sqrt((double) width / heads));
        if (mask == null) {
            return scores;
        }
        SDVariable keyPenalty = sd.expandDims(sd.expandDims(mask.rsub(1.0).mul(-10000.0), 1), 1); // [B, 1, 1, L]
        return scores.add(keyPenalty);
    }

    /** KL(softmax(T) || softmax(S)) over keys, averaged over relation heads and valid queries. */
    private static SDVariable relationKl(SameDiff sd, SDVariable logitsS, SDVariable logitsT, SDVariable mask) {
        SDVariable logT = logSoftmaxLast(sd, logitsT);
        SDVariable kl = sumLast(sd.math.exp(logT).mul(logT.sub(logSoftmaxLast(sd, logitsS))));  // [B, R, L]
        if (mask == null) {
            return kl.mean();
        }
        SDVariable queryWeights = sd.onesLike(kl).mul(sd.expandDims(mask, 1));
        return kl.mul(queryWeights).sum().div(queryWeights.sum());
    }
}
