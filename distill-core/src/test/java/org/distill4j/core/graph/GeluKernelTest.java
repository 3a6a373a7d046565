package org.distill4j.core.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.distill4j.core.checkpoint.ExportedModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * {@link GeluKernel} and {@link ExactGelu}: the kernel's GELU and derivative against PyTorch's float64 exact GELU and
 * its autograd derivative (golden/gelu.json, from tools/kernels/make_gelu_reference.py), the special values, the
 * fast form in a graph against the portable form (values and gradients), which graphs get which form, and why the
 * fast form must never run without the kernels: ND4J's own gelu op is the sigmoid approximation.
 */
class GeluKernelTest {

    /** What the float kernels are held to against the float64 reference (measured: 6.1e-7 and 2.5e-7). */
    private static final double BOUND = 8e-7;

    private static JsonNode reference() throws IOException {
        try (InputStream in = GeluKernelTest.class.getResourceAsStream("/golden/gelu.json")) {
            return new ObjectMapper().readTree(in);
        }
    }

    private static double[] doubles(JsonNode array) {
        double[] values = new double[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).asDouble();
        }
        return values;
    }

    private static float[] floats(double[] values) {
        float[] f = new float[values.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) values[i];
        }
        return f;
    }

    private static double worst(INDArray ours, double[] expected) {
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(ours.getDouble(i) - expected[i]));
        }
        return worst;
    }

    @Test
    void matchesPyTorchsExactGeluAndItsDerivative() throws IOException {
        JsonNode ref = reference();
        double[] xs = doubles(ref.get("x"));
        INDArray x = Nd4j.createFromArray(floats(xs));
        for (int i = 0; i < xs.length; i++) {
            assertEquals(xs[i], x.getFloat(i), 1e-7 * Math.max(1, Math.abs(xs[i])), "x not a float: " + xs[i]);
        }
        INDArray y = x.ulike();
        GeluKernel.forward(x, y);
        double forward = worst(y, doubles(ref.get("gelu")));
        assertTrue(forward < BOUND, "gelu off by " + forward);
        INDArray d = x.ulike();
        GeluKernel.derivative(x, d);
        double backward = worst(d, doubles(ref.get("derivative")));
        assertTrue(backward < BOUND, "gelu' off by " + backward);
        System.out.println("GeluKernel against PyTorch float64: gelu " + forward + ", gelu' " + backward);
    }

    @Test
    void keepsTheSpecialValues() {
        INDArray x = Nd4j.createFromArray(0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY);
        INDArray y = x.ulike();
        GeluKernel.forward(x, y);
        assertEquals(0f, y.getFloat(0), 0f);
        assertEquals(0f, y.getFloat(1), 0f, "-0 (as in PyTorch) or 0");
        assertTrue(Float.isNaN(y.getFloat(2)));
        assertEquals(Float.POSITIVE_INFINITY, y.getFloat(3));
        assertTrue(Float.isNaN(y.getFloat(4)), "-inf * Phi(-inf) = -inf * 0, NaN as in PyTorch's formula");
        INDArray d = x.ulike();
        GeluKernel.derivative(x, d);
        assertEquals(0.5f, d.getFloat(0));
        assertEquals(0.5f, d.getFloat(1));
        assertTrue(Float.isNaN(d.getFloat(2)));
        assertEquals(1f, d.getFloat(3), 1e-7);
        assertEquals(0f, d.getFloat(4), 1e-7);
    }

    @Test
    void writesViewsAndInPlace() {
        INDArray big = Nd4j.linspace(-3, 3, 60, DataType.FLOAT).reshape(6, 10);
        INDArray rows = big.get(NDArrayIndex.interval(2, 5), NDArrayIndex.all()); // a view with an offset
        INDArray expected = rows.ulike();
        GeluKernel.forward(rows.dup(), expected);
        INDArray untouched = big.get(NDArrayIndex.interval(0, 2), NDArrayIndex.all()).dup();
        GeluKernel.forward(rows, rows);
        assertEquals(expected, rows);
        assertEquals(untouched, big.get(NDArrayIndex.interval(0, 2), NDArrayIndex.all()));
    }

    /** y = sum(gelu(x) * w) over a [64, 48] x, in a graph with or without the kernels attached before building. */
    private static SameDiff geluGraph(INDArray x, INDArray w, boolean kernels) {
        SameDiff sd = SameDiff.create();
        if (kernels) {
            HostKernels.attach(sd);
        }
        SDVariable v = sd.var("x", x);
        SDVariable g = ExactGelu.of(sd, "ffn", v);
        g.mul(sd.constant(w)).sum("loss");
        sd.setLossVariables("loss");
        return sd;
    }

    private static long ops(SameDiff sd, String opName) {
        return sd.getOps().values().stream().filter(op -> opName.equals(op.getOp().opName())).count();
    }

    @Test
    void theFastFormGivesThePortableFormsValuesAndGradients() {
        INDArray x = Nd4j.randn(DataType.FLOAT, 64, 48).muli(2.5);
        INDArray w = Nd4j.randn(DataType.FLOAT, 64, 48);
        SameDiff fast = geluGraph(x, w, true);
        SameDiff portable = geluGraph(x, w, false);
        assertEquals(List.of("ffn/exact_gelu"), ExactGelu.fastFormOutputs(fast));
        assertEquals(List.of(), ExactGelu.fastFormOutputs(portable));
        assertEquals(1, ops(fast, "gelu"));
        assertEquals(0, ops(fast, "erf"));
        assertEquals(1, ops(portable, "erf"));
        assertTrue(portable.hasVariable("ffn/exact_gelu"), "both forms name the output alike");

        long before = HostKernels.runs();
        INDArray yFast = fast.output(Map.of(), "ffn/exact_gelu").get("ffn/exact_gelu");
        INDArray gradFast = fast.calculateGradients(Map.of(), "x").get("x");
        assertEquals(before + 3, HostKernels.runs(), "forward, then forward and derivative in the gradient run");
        INDArray yPortable = portable.output(Map.of(), "ffn/exact_gelu").get("ffn/exact_gelu");
        INDArray gradPortable = portable.calculateGradients(Map.of(), "x").get("x");
        assertTrue(yFast.sub(yPortable).amaxNumber().doubleValue() < 2 * BOUND, "values differ");
        // the portable gradient is SameDiff's own derivative of erf (native float exp), w up to about 4
        double gradDiff = gradFast.sub(gradPortable).amaxNumber().doubleValue();
        assertTrue(gradDiff < 1e-5, "gradients differ by " + gradDiff);
        assertTrue(gradFast.amaxNumber().doubleValue() > 1, "a gradient too small to compare");
    }

    @Test
    void doublePrecisionAndPlainGraphsGetThePortableForm() {
        SameDiff sd = SameDiff.create();
        HostKernels.attach(sd);
        ExactGelu.of(sd, "", sd.var("x", Nd4j.rand(DataType.DOUBLE, 3, 4)));
        assertEquals(List.of(), ExactGelu.fastFormOutputs(sd));
        assertTrue(sd.hasVariable(ExactGelu.MARK));

        ModelDefinition definition = (graph, seed) -> {
            ExactGelu.of(graph, "h", graph.placeHolder("x", DataType.FLOAT, -1, 4));
            return null;
        };
        assertEquals(List.of("h/exact_gelu"), ExactGelu.fastFormOutputs(ModelGraph.create(definition, 1).sd()));
        assertEquals(List.of(), ExactGelu.fastFormOutputs(ModelGraph.createPortable(definition, 1).sd()));
    }

    /**
     * Why the fast form is marked and guarded: ND4J's own gelu op (the one the fast form uses) is x sigmoid(1.702 x),
     * more than 0.01 from the exact GELU, so a fast-form graph run without the kernels would silently compute
     * another function. detach and export refuse such a graph; a user's own unmarked gelu op keeps ND4J's meaning.
     */
    @Test
    void nd4jsGeluIsAnApproximationSoTheFastFormNeverRunsWithoutTheKernels(@TempDir Path dir) throws IOException {
        JsonNode ref = reference();
        double[] xs = doubles(ref.get("x"));
        INDArray x = Nd4j.createFromArray(floats(xs));
        SameDiff plain = SameDiff.create();
        plain.nn.gelu("y", plain.var("x", x));
        HostKernels.attach(plain);
        long before = HostKernels.runs();
        INDArray nd4j = plain.output(Map.of(), "y").get("y");
        assertEquals(before, HostKernels.runs(), "an unmarked gelu is ND4J's");
        double off = worst(nd4j, doubles(ref.get("gelu")));
        assertTrue(off > 0.01, "ND4J's gelu is now exact (off by " + off + "): the fast form could use it directly");

        SameDiff fast = geluGraph(Nd4j.rand(DataType.FLOAT, 4, 3), Nd4j.rand(DataType.FLOAT, 4, 3), true);
        IllegalStateException detach = assertThrows(IllegalStateException.class, () -> HostKernels.detach(fast));
        assertTrue(detach.getMessage().contains("ffn/exact_gelu"), detach.getMessage());
        IllegalArgumentException export = assertThrows(IllegalArgumentException.class,
                () -> ExportedModel.save(dir.resolve("m"), new ModelGraph(fast, null), Map.of()));
        assertTrue(export.getMessage().contains("createPortable"), export.getMessage());
    }
}
