package org.distill4j.core.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.distill4j.core.support.GoldenCases;
import org.distill4j.core.support.GoldenCases.Case;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.validation.GradCheckUtil;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Every KD and match loss against PyTorch golden values (masked and unmasked), and a double-precision
 * gradient check of the student-side gradient on the same inputs.
 */
@org.junit.jupiter.api.extension.ExtendWith(org.distill4j.core.support.DoublePrecision.class)
class LossGoldenTest {


    static Stream<Case> kdCases() {
        return GoldenCases.family("kd").stream();
    }

    static Stream<Case> matchCases() {
        return GoldenCases.family("match").stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kdCases")
    void kdLossMatchesReference(Case c) {
        Graph g = kdGraph(c);
        double actual = g.sd.outputSingle(Map.of(), g.loss.name()).getDouble(0);
        assertEquals(c.expected().get("loss").getDouble(0), actual, 1e-9, c.id());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kdCases")
    void kdLossGradientIsCorrect(Case c) {
        Graph g = kdGraph(c);
        assertTrue(GradCheckUtil.checkGradients(g.sd, Map.of(), 1e-6, 1e-5, 1e-8, false, false), c.id());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("matchCases")
    void matchLossMatchesReference(Case c) {
        Graph g = matchGraph(c);
        double actual = g.sd.outputSingle(Map.of(), g.loss.name()).getDouble(0);
        assertEquals(c.expected().get("loss").getDouble(0), actual, 1e-9, c.id());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("matchCases")
    void matchLossGradientIsCorrect(Case c) {
        Graph g = matchGraph(c);
        assertTrue(GradCheckUtil.checkGradients(g.sd, Map.of(), 1e-6, 1e-5, 1e-8, false, false), c.id());
    }

    private record Graph(SameDiff sd, SDVariable loss) {
    }

    /** Student logits are trainable variables; teacher, mask and temperature are constants. */
    private static Graph kdGraph(Case c) {
        SameDiff sd = SameDiff.create();
        Map<String, INDArray> in = c.inputs();
        SDVariable s = sd.var("S", in.get("S").dup());
        SDVariable t = sd.constant("T", in.get("T").dup());
        INDArray tau = in.get("tau");
        SDVariable temperature = sd.constant("tau", tau.rank() == 0 ? tau : tau.reshape(append(tau.shape(), 1)));
        SDVariable mask = in.containsKey("mask") ? sd.constant("mask", in.get("mask").dup()) : null;
        SDVariable loss = KdLosses.registry().get("kd_loss_type", c.name()).build(sd, s, t, temperature, mask);
        sd.setLossVariables(loss);
        return new Graph(sd, loss);
    }

    private static Graph matchGraph(Case c) {
        SameDiff sd = SameDiff.create();
        MatchLoss loss = MatchLosses.registry().get("loss", c.name());
        Map<String, INDArray> in = c.inputs();
        List<String> studentNames = new ArrayList<>();
        List<String> teacherNames = new ArrayList<>();
        for (String key : in.keySet()) {
            if (key.equals("mask")) {
                continue;
            }
            (key.contains("S") ? studentNames : teacherNames).add(key);
        }
        Map<String, SDVariable> vars = new LinkedHashMap<>();
        for (String name : studentNames) {
            vars.put(name, sd.var(name, in.get(name).dup()));
        }
        for (String name : teacherNames) {
            vars.put(name, sd.constant(name, in.get(name).dup()));
        }
        SDVariable mask = in.containsKey("mask") ? sd.constant("mask", in.get("mask").dup()) : null;
        long widthS = in.get(studentNames.get(0)).size(-1);
        long widthT = in.get(teacherNames.get(0)).size(-1);
        Integer heads = c.hasParam("relation_heads") ? (int) c.param("relation_heads") : null;
        MatchInputs inputs = new MatchInputs(
                studentNames.stream().map(vars::get).toList(),
                teacherNames.stream().map(vars::get).toList(),
                mask, widthS, widthT, heads);
        SDVariable out = loss.build(sd, inputs);
        sd.setLossVariables(out);
        return new Graph(sd, out);
    }

    private static long[] append(long[] shape, long last) {
        long[] out = java.util.Arrays.copyOf(shape, shape.length + 1);
        out[shape.length] = last;
        return out;
    }
}
