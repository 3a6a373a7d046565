package org.distill4j.core.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.distill4j.core.support.DoublePrecision;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.InferenceSession;
import org.nd4j.autodiff.validation.GradCheckUtil;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.impl.transforms.custom.LayerNorm;
import org.nd4j.linalg.api.ops.impl.transforms.custom.LayerNormBp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * {@link HostKernels} and {@link LayerNormKernel}: the Java layer norm gives the native op's values and gradients
 * (float and double, with and without bias, rank 2 and 3, views), equals BERT's formula and the autodiff gradient of
 * that formula built from other ops, passes a finite-difference check inside a graph, runs only where it handles the
 * case, and puts its session where {@link ArrayRecycling} finds it. Why it exists is a matter of time, which unit
 * tests do not assert: the benchmark's op profile shows it (README, Speed).
 */
@ExtendWith(DoublePrecision.class) // GradCheckUtil insists on it; every array here names its type
class HostKernelsTest {

    private static INDArray input(DataType type, double scale, long... shape) {
        return Nd4j.randn(type, shape).muli(scale).addi(0.5);
    }

    private static double maxAbs(INDArray a, INDArray b) {
        return a.sub(b).amaxNumber().doubleValue();
    }

    /** The native op's outputs against the kernel's, forward and backward, for one input. */
    private static void assertEqualsNative(INDArray x, boolean bias, double tolerance) {
        DataType type = x.dataType();
        long d = x.size(x.rank() - 1);
        INDArray gamma = Nd4j.rand(type, d).addi(0.5);
        INDArray beta = bias ? Nd4j.randn(type, d) : null;
        INDArray dy = Nd4j.randn(type, x.shape());
        int axis = x.rank() - 1;

        INDArray nativeY = Nd4j.create(type, x.shape());
        Nd4j.exec(bias ? new LayerNorm(x, gamma, beta, nativeY, false, axis)
                : new LayerNorm(x, gamma, nativeY, false, axis));
        INDArray ours = Nd4j.create(type, x.shape());
        LayerNormKernel.forward(x, gamma, beta, ours);
        double scale = Math.max(1, nativeY.amaxNumber().doubleValue());
        assertTrue(maxAbs(ours, nativeY) < tolerance * scale, "forward differs by " + maxAbs(ours, nativeY));

        INDArray ndx = Nd4j.create(type, x.shape());
        INDArray ndg = Nd4j.create(type, d);
        INDArray ndb = bias ? Nd4j.create(type, d) : null;
        Nd4j.exec(bias ? new LayerNormBp(x, gamma, beta, dy, ndx, ndg, ndb, false, axis)
                : new LayerNormBp(x, gamma, dy, ndx, ndg, false, axis));
        INDArray dx = Nd4j.create(type, x.shape());
        INDArray dg = Nd4j.create(type, d);
        INDArray db = bias ? Nd4j.create(type, d) : null;
        LayerNormKernel.backward(x, gamma, dy, dx, dg, db);
        for (INDArray[] pair : bias ? new INDArray[][]{{dx, ndx}, {dg, ndg}, {db, ndb}}
                : new INDArray[][]{{dx, ndx}, {dg, ndg}}) {
            double relative = maxAbs(pair[0], pair[1]) / pair[1].amaxNumber().doubleValue();
            assertTrue(relative < tolerance, "gradient differs by " + relative + " of its largest entry");
        }
    }

    @Test
    void equalsTheNativeOpForwardAndBackward() {
        Nd4j.getRandom().setSeed(3);
        for (boolean bias : new boolean[]{true, false}) {
            for (double scale : new double[]{1.0, 0.03}) {
                assertEqualsNative(input(DataType.DOUBLE, scale, 40, 24), bias, 1e-10);
                assertEqualsNative(input(DataType.DOUBLE, scale, 3, 7, 24), bias, 1e-10);
                // float: the native op sums 2048 rows' gradients in float, the kernel in double
                assertEqualsNative(input(DataType.FLOAT, scale, 2048, 64), bias, 2e-5);
            }
        }
        // a view: rows 3..42 of a larger array (an offset into its buffer, default strides)
        INDArray big = input(DataType.DOUBLE, 1, 50, 24);
        INDArray view = big.get(NDArrayIndex.interval(3, 43), NDArrayIndex.all());
        assertTrue(view.isView() && view.offset() > 0);
        assertEqualsNative(view, true, 1e-10);
    }

    /** x, gamma, beta and a loss sum(y * weights) for the native layer norm and for BERT's formula from other ops. */
    private static SameDiff graph(double scale) {
        SameDiff sd = SameDiff.create();
        Nd4j.getRandom().setSeed(11);
        SDVariable x = sd.var("x", input(DataType.DOUBLE, scale, 6, 5, 16));
        SDVariable gamma = sd.var("g", Nd4j.rand(DataType.DOUBLE, 16).addi(0.5));
        SDVariable beta = sd.var("b", Nd4j.rand(DataType.DOUBLE, 16));
        SDVariable weights = sd.constant(Nd4j.randn(DataType.DOUBLE, 6, 5, 16));
        SDVariable y = sd.nn.layerNorm("y", x, gamma, beta, false, 2);
        y.mul(weights).sum("loss");
        SDVariable centered = x.sub(sd.expandDims(x.mean(2), 2));
        SDVariable variance = sd.expandDims(centered.mul(centered).mean(2), 2);
        SDVariable bert = sd.identity("bert", centered.div(sd.math.sqrt(variance.add(1e-12))).mul(gamma).add(beta));
        bert.mul(weights).sum("loss_bert");
        return sd;
    }

    @Test
    void equalsBertsFormulaAndItsAutodiffGradientInsideAGraph() {
        for (double scale : new double[]{1.0, 0.03, 1e-3}) {
            SameDiff sd = graph(scale);
            HostKernels.attach(sd);
            long before = HostKernels.runs();
            Map<String, INDArray> out = sd.output(Map.of(), "y", "bert");
            // the native op adds 1e-12 to the standard deviation, BERT to the variance: 5e-12 / std^2 relative
            double tolerance = Math.max(1e-9, 2e-12 / (scale * scale));
            double values = maxAbs(out.get("y"), out.get("bert")) / out.get("bert").amaxNumber().doubleValue();
            assertTrue(values < tolerance, "scale " + scale + ": values differ by " + values);

            sd.setLossVariables("loss");
            Map<String, INDArray> ours = sd.calculateGradients(Map.of(), "x", "g", "b");
            sd.setLossVariables("loss_bert");
            sd.clearOpInputs();
            Map<String, INDArray> bert = sd.calculateGradients(Map.of(), "x", "g", "b");
            for (String v : List.of("x", "g", "b")) {
                double relative = maxAbs(ours.get(v), bert.get(v)) / bert.get(v).amaxNumber().doubleValue();
                assertTrue(relative < tolerance, "scale " + scale + ": gradient of " + v + " differs by " + relative);
            }
            assertTrue(HostKernels.runs() >= before + 2, "the kernel ran neither forward nor backward");
        }
    }

    @Test
    void passesAFiniteDifferenceCheckInsideAGraph() {
        SameDiff sd = graph(0.3);
        sd.setLossVariables("loss");
        HostKernels.attach(sd);
        long before = HostKernels.runs();
        assertTrue(GradCheckUtil.checkGradients(sd, Map.of(), 1e-6, 1e-5, 1e-8, false, false));
        assertTrue(HostKernels.runs() > before, "the gradient check never ran the kernel");
    }

    private static OpContext context(List<INDArray> inputs, List<INDArray> outputs, long axis, boolean channelsFirst) {
        OpContext c = Nd4j.getExecutioner().buildContext();
        c.setInputArrays(inputs.toArray(new INDArray[0]));
        c.setOutputArrays(outputs.toArray(new INDArray[0]));
        c.setIArguments(axis);
        c.setBArguments(channelsFirst);
        return c;
    }

    @Test
    void leavesCasesItDoesNotHandleToTheNativeOp() {
        INDArray x = input(DataType.FLOAT, 1, 8, 6);
        INDArray g = Nd4j.ones(DataType.FLOAT, 6);
        INDArray b = Nd4j.zeros(DataType.FLOAT, 6);
        INDArray y = x.like();
        assertTrue(HostKernels.runHere("layer_norm", context(List.of(x, g, b), List.of(y), 1, false)));
        assertTrue(HostKernels.runHere("layer_norm", context(List.of(x, g, b), List.of(y), -1, false)));
        // not the last axis, channels first, another op, mixed types, column-major, a strided view
        assertFalse(HostKernels.runHere("layer_norm", context(List.of(x, g.reshape(6), b), List.of(y), 0, false)));
        assertFalse(HostKernels.runHere("layer_norm", context(List.of(x, g, b), List.of(y), 1, true)));
        assertFalse(HostKernels.runHere("standardize", context(List.of(x), List.of(y), 1, false)));
        assertFalse(HostKernels.runHere("layer_norm",
                context(List.of(x, g.castTo(DataType.DOUBLE), b), List.of(y), 1, false)));
        assertFalse(HostKernels.runHere("layer_norm", context(List.of(x.dup('f'), g, b), List.of(y), 1, false)));
        INDArray strided = input(DataType.FLOAT, 1, 8, 12).get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2, 12));
        assertFalse(HostKernels.runHere("layer_norm", context(List.of(strided, g, b), List.of(y), 1, false)));

        // such a graph still runs, natively: a layer norm over axis 0
        SameDiff sd = SameDiff.create();
        SDVariable v = sd.var("x", x);
        sd.nn.layerNorm("y", v, sd.constant(g), sd.constant(b), false, 0);
        HostKernels.attach(sd);
        long before = HostKernels.runs();
        INDArray out = sd.output(Map.of(), "y").get("y");
        INDArray expected = Nd4j.create(DataType.FLOAT, 8, 6);
        Nd4j.exec(new LayerNorm(x, g, b, expected, false, 0));
        assertEquals(expected, out);
        assertEquals(before, HostKernels.runs());
    }

    @Test
    void itsSessionIsTheOneArrayRecyclingPointsToItsCache() {
        SameDiff sd = graph(1);
        ModelGraph graph = new ModelGraph(sd, null);
        int hostKernels = sd.getListeners().indexOf(sd.getListeners().stream()
                .filter(l -> l instanceof HostKernels).findFirst().orElseThrow());
        int recycling = sd.getListeners().indexOf(sd.getListeners().stream()
                .filter(l -> l instanceof ArrayRecycling).findFirst().orElseThrow());
        assertTrue(hostKernels < recycling, "HostKernels must install its session before ArrayRecycling uses it");
        sd.output(Map.of(), "y");
        InferenceSession session = sd.getSessions().get(Thread.currentThread().getId());
        assertInstanceOf(HostKernels.KernelSession.class, session);
        assertEquals(ArrayRecycling.class.getName() + "$ThreadArrays", session.getMmgr().getClass().getName());
        sd.setLossVariables("loss");
        sd.calculateGradients(Map.of(), "x");
        InferenceSession gradSession = sd.getFunction("grad").getSessions().get(Thread.currentThread().getId());
        assertInstanceOf(HostKernels.KernelSession.class, gradSession);
        assertSame(session.getMmgr(), gradSession.getMmgr());

        HostKernels.detach(sd);
        long before = HostKernels.runs();
        sd.output(Map.of(), "y");
        assertEquals(before, HostKernels.runs());
        graph.releaseSessionMemory();
    }
}
