package org.distill4j.core.graph;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.autodiff.samediff.internal.Variable;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * BERT's exact GELU, gelu(x) = x (1 + erf(x / sqrt 2)) / 2, built into a graph in one of two forms with the same
 * values:
 * <ul>
 *   <li><b>fast</b>, for float graphs that {@link HostKernels} runs (built by {@link ModelGraph#create}): one ND4J
 *       {@code gelu} op, whose forward value and whose backward {@code _geluderivative} op the kernels compute exactly
 *       ({@link GeluKernel}). ND4J's own {@code gelu} is the sigmoid approximation x sigmoid(1.702 x) (up to 0.02 off),
 *       so the op is marked by its output's name ({@link #MARK}) and such a graph must never run without the kernels:
 *       {@link HostKernels#detach} and {@code ExportedModel.save} refuse it.</li>
 *   <li><b>portable</b>, for every other graph (double precision, other backends, {@code -Ddistill4j.hostKernels=false},
 *       {@link ModelGraph#createPortable}, the models Distill4j exports): five ND4J ops (a scalar division, erf, a scalar
 *       addition, a product, a scalar product) that any SameDiff runs.</li>
 * </ul>
 * Why: in a BERT layer's feed-forward block [batch * seq, intermediate] the portable form is 5 ops forward and about
 * a dozen backward (SameDiff's derivative of erf alone is eight: ones, two scalar ops, square, negation, exp and two
 * products), each a pass over the whole activation plus SameDiff's per-op work; the fast form is 1 forward and 2
 * backward (the derivative and its product with the incoming gradient).
 */
public final class ExactGelu {

    /** The last part of a fast-form GELU's output name, which marks the op as one the kernels must compute. */
    public static final String MARK = "exact_gelu";

    private ExactGelu() {
    }

    /**
     * gelu(x), element by element, named {@code name + "/" + MARK} ({@link #MARK} alone for an empty name).
     *
     * @param sd   the graph
     * @param name the output's prefix, unique in the graph (e.g. a layer's "encoder/layer_0/intermediate")
     * @param x    any shape, float or double
     * @return x's shape and type
     */
    public static SDVariable of(SameDiff sd, String name, SDVariable x) {
        String out = name.isEmpty() ? MARK : name + "/" + MARK;
        if (x.dataType() == DataType.FLOAT && HostKernels.attachedTo(sd)) {
            return sd.nn.gelu(out, x);
        }
        return x.mul(sd.math.erf(x.div(Math.sqrt(2.0))).add(1.0)).mul(out, 0.5);
    }

    /**
     * The outputs of the graph's fast-form GELUs (those that must run through {@link HostKernels}), sorted; empty
     * for a portable graph.
     */
    public static List<String> fastFormOutputs(SameDiff sd) {
        return sd.getOps().values().stream().filter(op -> isMarkedGelu(op.getOp()))
                .flatMap(op -> op.getOutputsOfOp().stream()).sorted().toList();
    }

    /** A fast-form GELU: ND4J's {@code gelu} op with a marked output. */
    static boolean isMarkedGelu(DifferentialFunction op) {
        return "gelu".equals(op.opName()) && Arrays.stream(op.outputVariablesNames()).anyMatch(ExactGelu::marked);
    }

    /**
     * A fast-form GELU's derivative: the {@code _geluderivative} op SameDiff's gradient adds for a {@code gelu},
     * recognised by its input being a marked GELU's input.
     */
    static boolean isMarkedDerivative(DifferentialFunction op) {
        if (!"_geluderivative".equals(op.opName())) {
            return false;
        }
        SameDiff sd = op.getSameDiff();
        Map<String, SameDiffOp> ops = sd.getOps();
        for (String input : op.argNames()) {
            Variable v = sd.getVariables().get(input);
            if (v == null || v.getInputsForOp() == null) {
                continue;
            }
            for (String consumer : v.getInputsForOp()) {
                SameDiffOp c = ops.get(consumer);
                if (c != null && isMarkedGelu(c.getOp())) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean marked(String variable) {
        return variable.equals(MARK) || variable.endsWith("/" + MARK);
    }
}
