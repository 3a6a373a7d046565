package org.distill4j.core.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One test per SameDiff 1.0.0-M2.1 defect that Distill4j works around. Each asserts that the defect is still
 * there (so an upgrade that fixes it fails this test and tells us the workaround can go) and that our workaround
 * gives the right answer.
 */
@org.junit.jupiter.api.extension.ExtendWith(org.distill4j.core.support.DoublePrecision.class)
class SameDiffWorkaroundsTest {


    private static boolean fails(Runnable r) {
        try {
            r.run();
            return false;
        } catch (RuntimeException | Error e) {
            return true;
        }
    }

    /** keepDims=true with axis -1 on a rank-3 tensor returns wrong values; SdMath.keepLastAxis is used instead. */
    @Test
    void keepDimsOnLastAxisIsWrongOnRank3() {
        INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 3, 4);
        INDArray expected = x.max(2).reshape(2, 3, 1);
        SameDiff sd = SameDiff.create();
        SDVariable v = sd.constant(x);
        assertFalse(expected.equalsWithEps(v.max(true, -1).eval(), 1e-12),
                "max(keepDims, -1) is correct now: SdMath.keepLastAxis can go");
        assertTrue(expected.equalsWithEps(SdMath.keepLastAxis(sd, v.max(-1)).eval(), 1e-12));
    }

    /** logSoftmax(x) gives -infinity far below the row maximum (-10000 masking); 0 * -inf then makes NaN losses. */
    @Test
    void logSoftmaxUnderflowsAtAttentionMaskValues() {
        INDArray x = Nd4j.createFromArray(new double[][]{{0.5, -10000.0, 1.0}});
        SameDiff sd = SameDiff.create();
        SDVariable v = sd.constant(x);
        INDArray builtIn = sd.nn.logSoftmax(v).eval();
        assertTrue(Double.isInfinite(builtIn.getDouble(0, 1)), "logSoftmax no longer underflows: the stable form can go");
        INDArray ours = SdMath.logSoftmaxLast(sd, v).eval();
        double lse = Math.log(Math.exp(0.5) + Math.exp(-10000.0) + Math.exp(1.0));
        assertArrayEquals(new double[]{0.5 - lse, -10000.0 - lse, 1.0 - lse}, ours.toDoubleVector(), 1e-9);
    }

    /** logSoftmax(x, dim) cannot build its gradient; the losses only take log-softmax over the last axis. */
    @Test
    void logSoftmaxWithDimensionHasNoGradient() {
        SameDiff sd = SameDiff.create();
        SDVariable v = sd.var("x", Nd4j.rand(DataType.DOUBLE, 3, 4));
        sd.setLossVariables(sd.nn.logSoftmax(v, 1).sum());
        assertTrue(fails(() -> sd.calculateGradients(Map.of(), "x")),
                "logSoftmax(x, dim) has a gradient now: losses may use it directly");
    }

    /** logSumExp's backward fails, so the stable log-softmax is built from max, exp, sum and log. */
    @Test
    void logSumExpHasNoGradient() {
        SameDiff sd = SameDiff.create();
        SDVariable v = sd.var("x", Nd4j.rand(DataType.DOUBLE, 3, 4));
        sd.setLossVariables(sd.math.logSumExp(v, 1).sum());
        boolean broken;
        try {
            INDArray g = sd.calculateGradients(Map.of(), "x").get("x");
            INDArray x = v.getArr();
            INDArray expected = Nd4j.nn().softmax(x, 1);
            broken = g == null || !expected.equalsWithEps(g, 1e-9);
        } catch (RuntimeException e) {
            broken = true;
        }
        assertTrue(broken, "logSumExp has a correct gradient now: SdMath.logSoftmaxLast could use it");
    }

    /** tensorMmul of [B, L, D] by [D, E] has no working backward: ProjectionLayer flattens to 2D and uses mmul. */
    @Test
    void tensorMmul3dBy2dHasNoGradient() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.var("x", Nd4j.rand(DataType.DOUBLE, 2, 3, 4));
        SDVariable w = sd.var("w", Nd4j.rand(DataType.DOUBLE, 4, 5));
        sd.setLossVariables(sd.tensorMmul(x, w, new int[]{2}, new int[]{0}).sum());
        boolean broken;
        try {
            Map<String, INDArray> g = sd.calculateGradients(Map.of(), "x", "w");
            INDArray expectedW = x.getArr().sum(0, 1).reshape(4, 1).broadcast(4, 5);
            broken = !expectedW.equalsWithEps(g.get("w"), 1e-9);
        } catch (RuntimeException e) {
            broken = true;
        }
        assertTrue(broken, "tensorMmul 3D x 2D has a correct gradient now: ProjectionLayer may use it");
    }

    /**
     * In-graph random ops do not follow ND4J's global generator: re-seeding it does not change a Bernoulli mask, so
     * masks would not repeat on resume (nor vary as the loop intends). Dropout masks are therefore drawn outside the
     * graph and fed (RandomMask).
     */
    @Test
    void inGraphRandomOpsIgnoreTheGlobalSeed() {
        SameDiff sd = SameDiff.create();
        SDVariable shape = sd.constant(Nd4j.createFromArray(64L, 64L));
        SDVariable mask = new org.nd4j.linalg.api.ops.random.custom.RandomBernoulli(sd, shape, 0.5).outputVariable();
        Nd4j.getRandom().setSeed(11);
        INDArray first = mask.eval().dup();
        Nd4j.getRandom().setSeed(12);
        INDArray second = sd.output(Map.of(), mask.name()).get(mask.name()).dup();
        Nd4j.getRandom().setSeed(11);
        INDArray third = sd.output(Map.of(), mask.name()).get(mask.name()).dup();
        boolean followsSeed = first.equals(third) && !first.equals(second);
        assertFalse(followsSeed, "in-graph random ops follow the global seed now: dropout could draw in the graph");
    }

    /** The flattened projection used instead has the right values and shape. */
    @Test
    void flattenedProjectionMatchesPerPositionProduct() {
        INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 3, 4);
        INDArray w = Nd4j.rand(DataType.DOUBLE, 4, 5);
        SameDiff sd = SameDiff.create();
        var layer = org.distill4j.core.projection.ProjectionLayer.of(sd.var("w", w), sd.var("b", Nd4j.zeros(5)),
                org.distill4j.core.projection.Projection.LINEAR, 4, 5);
        INDArray y = layer.apply(sd, sd.constant(x), 3).eval();
        assertArrayEquals(new long[]{2, 3, 5}, y.shape());
        for (int b = 0; b < 2; b++) {
            INDArray expected = x.slice(b).mmul(w);
            assertEquals(expected, y.slice(b));
        }
    }

    /**
     * MultiTaskDistiller shares the encoder between the tasks' graphs by giving them one array. With the default
     * (thread-safe) array holder, setArray on a variable copies the values into a new array, so later updates are not
     * seen by the other graph; with a SingleThreadArrayHolder the graph keeps the very array it is given.
     */
    @Test
    void setArrayCopiesUnlessTheGraphHoldsArraysSingleThreaded() {
        SameDiff owner = SameDiff.create();
        owner.var("w", Nd4j.ones(DataType.FLOAT, 2, 2));
        INDArray shared = owner.getArrForVarName("w");

        SameDiff copying = SameDiff.create();
        copying.var("w", Nd4j.zeros(DataType.FLOAT, 2, 2));
        copying.getVariable("w").setArray(shared);
        shared.addi(1);
        assertFalse(copying.getArrForVarName("w") == shared, "the defect: the default holder keeps a copy");
        assertEquals(1.0, copying.getArrForVarName("w").getDouble(0), "so it misses the update");

        SameDiff sharing = SameDiff.create();
        sharing.var("w", Nd4j.zeros(DataType.FLOAT, 2, 2));
        sharing.setArrayHolders(new org.nd4j.autodiff.samediff.array.SingleThreadArrayHolder(),
                new org.nd4j.autodiff.samediff.array.SingleThreadArrayHolder(), true);
        sharing.getVariable("w").setArray(shared);
        shared.addi(1);
        assertTrue(sharing.getArrForVarName("w") == shared);
        assertEquals(3.0, sharing.getArrForVarName("w").getDouble(0));
    }

    /**
     * createGradFunction prints "Added differentiated op ..." to System.out for every op; the training loop builds
     * the backward graph itself with standard output muted, so a run prints only its own progress.
     */
    @Test
    void gradientConstructionPrintsEveryOpToStandardOutput() throws Exception {
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        java.io.PrintStream out = System.out;
        System.setOut(new java.io.PrintStream(captured, true));
        try {
            SameDiff sd = SameDiff.create();
            SDVariable w = sd.var("w", Nd4j.ones(DataType.FLOAT, 3));
            sd.setLossVariables(sd.identity("loss", w.mul(w).sum()));
            sd.createGradFunction();
        } finally {
            System.setOut(out);
        }
        assertTrue(captured.toString().contains("Added differentiated op"), "the defect: " + captured);

        captured.reset();
        System.setOut(new java.io.PrintStream(captured, true));
        try {
            org.distill4j.core.train.BasicTrainer.builder()
                    .trainingConfig(org.distill4j.core.config.TrainingConfig.builder().numSteps(2).batchSize(8)
                            .outputDir(java.nio.file.Files.createTempDirectory("quiet").toString()).build())
                    .student(org.distill4j.core.support.Runs.student()).build()
                    .train(org.distill4j.core.support.Runs.data());
        } finally {
            System.setOut(out);
        }
        assertFalse(captured.toString().contains("Added differentiated op"), "a training run stays quiet: " + captured);
    }
}
