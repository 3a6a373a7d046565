package org.distill4j.core.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Accuracy and F1 on a hand-counted example. */
class ClassificationMetricsTest {

    @Test
    void f1FromHandCountedConfusion() {
        // predictions (argmax): 1 1 0 1 0 0 2; gold: 1 0 0 1 1 0 2
        INDArray logits = Nd4j.createFromArray(new float[][]{
                {0, 1, 0}, {0, 1, 0}, {1, 0, 0}, {0, 1, 0}, {1, 0, 0}, {1, 0, 0}, {0, 0, 1}});
        INDArray gold = Nd4j.createFromArray(1, 0, 0, 1, 1, 0, 2);
        // class 1: tp 2 (rows 0, 3), fp 1 (row 1), fn 1 (row 4): F1 = 4 / (4 + 1 + 1)
        assertEquals(4.0 / 6.0, ClassificationMetrics.f1(logits, gold, 1), 1e-12);
        // class 0: tp 2 (rows 2, 5), fp 1 (row 4), fn 1 (row 1): 4/6; class 2: tp 1, no errors: 1
        assertEquals((4.0 / 6 + 4.0 / 6 + 1.0) / 3, ClassificationMetrics.macroF1(logits, gold), 1e-12);
        assertEquals(5.0 / 7.0, ClassificationMetrics.accuracy(logits, gold), 1e-12);
        assertEquals(0.0, ClassificationMetrics.f1(Nd4j.createFromArray(new float[][]{{1, 0}}), Nd4j.createFromArray(0), 1),
                1e-12, "a class neither predicted nor present scores 0");
    }
}
