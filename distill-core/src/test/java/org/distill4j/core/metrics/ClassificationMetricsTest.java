package org.distill4j.core.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.distill4j.core.data.Batch;
import org.distill4j.core.data.ExampleSet;
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

    @Test
    void scoringASetWithUnlabelledExamplesIsAnError() {
        // a transfer set's unlabelled rows (-100) would silently count as wrong answers
        ExampleSet partial = new ExampleSet() {
            @Override
            public int size() {
                return 3;
            }

            @Override
            public Batch batch(int[] indices) {
                return new Batch(Map.of("labels", Nd4j.createFromArray(1, -100, 0)));
            }
        };
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ClassificationMetrics.allLabels(partial, "labels"));
        assertTrue(e.getMessage().contains("1 of 3 examples have no label"), e.getMessage());
    }
}
