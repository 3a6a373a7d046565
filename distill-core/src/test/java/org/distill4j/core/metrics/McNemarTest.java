package org.distill4j.core.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The exact McNemar p-value against SciPy's exact binomial test (tools/stats/make_mcnemar_golden.py). */
class McNemarTest {

    @Test
    void matchesScipysExactBinomialTest() throws IOException {
        int cases = 0;
        try (InputStream in = McNemarTest.class.getResourceAsStream("/metrics/mcnemar-golden.tsv")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith("#") || line.startsWith("b\t") || line.isBlank()) {
                    continue;
                }
                String[] f = line.split("\t");
                long b = Long.parseLong(f[0]);
                long c = Long.parseLong(f[1]);
                double expected = Double.parseDouble(f[2]);
                assertEquals(expected, McNemar.exactPValue(b, c), 1e-12 + 1e-9 * expected, "b = " + b + ", c = " + c);
                cases++;
            }
        }
        assertEquals(20, cases);
    }

    @Test
    void negativeCountsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> McNemar.exactPValue(-1, 3));
    }
}
