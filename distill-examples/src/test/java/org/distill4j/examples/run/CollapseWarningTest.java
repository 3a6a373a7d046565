package org.distill4j.examples.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/** The end-of-run warning for a model that answers one class for every example. */
class CollapseWarningTest {

    private static final List<String> LABELS = List.of("ham", "spam");

    @Test
    void oneAnswerForMixedGoldIsFlagged() {
        var logits = Nd4j.createFromArray(new float[][]{{2, 1}, {3, -1}, {0.5f, 0.4f}});
        assertEquals("the model predicts 'ham' for all 3 examples: training collapsed to one class (lower the learning "
                        + "rate, or add hard labels)",
                SplitEvaluation.collapseWarning(logits, Nd4j.createFromArray(0, 1, 0), LABELS));
    }

    @Test
    void mixedAnswersOrOneGoldClassAreNot() {
        var mixed = Nd4j.createFromArray(new float[][]{{2, 1}, {-3, 1}});
        assertNull(SplitEvaluation.collapseWarning(mixed, Nd4j.createFromArray(0, 1), LABELS));
        var allHam = Nd4j.createFromArray(new float[][]{{2, 1}, {3, 1}});
        assertNull(SplitEvaluation.collapseWarning(allHam, Nd4j.createFromArray(0, 0), LABELS), "right on a one-class split");
    }
}
