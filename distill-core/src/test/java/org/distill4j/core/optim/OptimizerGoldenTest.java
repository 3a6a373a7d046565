package org.distill4j.core.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.distill4j.core.config.OptimizerConfig;
import org.distill4j.core.support.GoldenCases;
import org.distill4j.core.support.GoldenCases.Case;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Optimizers and global-norm clipping against torch.optim and torch.nn.utils.clip_grad_norm_. */
@org.junit.jupiter.api.extension.ExtendWith(org.distill4j.core.support.DoublePrecision.class)
class OptimizerGoldenTest {


    static Stream<Case> optimizerCases() {
        return GoldenCases.family("optimizer").stream();
    }

    static Stream<Case> clipCases() {
        return GoldenCases.family("clip").stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizerCases")
    void optimizerMatchesTorch(Case c) {
        OptimizerConfig config = new OptimizerConfig(c.name(), c.param("lr"), c.param("beta1"), c.param("beta2"),
                c.param("eps"), c.param("weight_decay"), c.param("momentum"));
        Optimizer optimizer = Optimizer.registry().get("optimizer.name", c.name()).create(config);
        INDArray param = c.inputs().get("p0").dup();
        INDArray grads = c.inputs().get("g");
        INDArray expected = c.expected().get("p");
        List<INDArray> state = new ArrayList<>();
        for (String ignored : optimizer.stateNames()) {
            state.add(Nd4j.zerosLike(param));
        }
        for (int step = 0; step < grads.rows(); step++) {
            optimizer.update(param, grads.getRow(step).dup(), state, step + 1, config.learningRate(), config.weightDecay());
            assertArrayEquals(expected.getRow(step).dup().reshape(-1).toDoubleVector(), param.dup().reshape(-1).toDoubleVector(), 1e-12,
                    c.id() + " after step " + (step + 1));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clipCases")
    void clippingMatchesTorch(Case c) {
        INDArray g0 = c.inputs().get("g0").dup();
        INDArray g1 = c.inputs().get("g1").dup();
        double norm = GradientClipping.clipGlobalNorm(List.of(g0, g1), c.param("max_norm"));
        assertEquals(c.expected().get("norm").getDouble(0), norm, 1e-12);
        assertArrayEquals(c.expected().get("g0").dup().reshape(-1).toDoubleVector(), g0.dup().reshape(-1).toDoubleVector(), 1e-12);
        assertArrayEquals(c.expected().get("g1").dup().reshape(-1).toDoubleVector(), g1.dup().reshape(-1).toDoubleVector(), 1e-12);
    }
}
