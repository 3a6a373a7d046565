package org.distill4j.bert.model;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A central-difference gradient check on sampled entries of chosen variables (double precision). Used where
 * GradCheckUtil cannot be: it insists on a gradient for every variable, including a lookup table that is updated
 * outside the graph.
 */
final class FiniteDifferences {

    private FiniteDifferences() {
    }

    /**
     * @return the worst relative error |analytic - numeric| / (|analytic| + |numeric|) over the sampled entries whose
     *         absolute error is at least 1e-8
     */
    static double worstRelativeError(SameDiff sd, Map<String, INDArray> feeds, String loss, List<String> variables,
                                     int samplesPerVariable, long seed) {
        Map<String, INDArray> analytic = sd.calculateGradients(feeds, variables);
        Random rng = new Random(seed);
        double worst = 0;
        double eps = 1e-6;
        for (String name : variables) {
            if (analytic.get(name) == null) {
                continue; // not reached by this loss (e.g. the pooler under a token head)
            }
            INDArray param = sd.getArrForVarName(name);
            INDArray flat = param.reshape(param.length());
            INDArray grad = analytic.get(name).dup().reshape(param.length());
            for (int s = 0; s < samplesPerVariable; s++) {
                long i = (long) (rng.nextDouble() * param.length());
                double original = flat.getDouble(i);
                flat.putScalar(i, original + eps);
                double plus = sd.output(feeds, loss).get(loss).getDouble(0);
                flat.putScalar(i, original - eps);
                double minus = sd.output(feeds, loss).get(loss).getDouble(0);
                flat.putScalar(i, original);
                double numeric = (plus - minus) / (2 * eps);
                double a = grad.getDouble(i);
                if (Math.abs(a - numeric) < 1e-8) {
                    continue; // below what central differences resolve at eps = 1e-6 in double precision
                }
                worst = Math.max(worst, Math.abs(a - numeric) / (Math.abs(a) + Math.abs(numeric)));
            }
        }
        return worst;
    }
}
