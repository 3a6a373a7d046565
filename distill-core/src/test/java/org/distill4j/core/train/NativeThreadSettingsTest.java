package org.distill4j.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The start-up hint names exactly the thread-wait variables the environment lacks, with the values to set. */
class NativeThreadSettingsTest {

    @Test
    void theHintNamesOnlyTheMissingVariables() {
        String both = NativeThreadSettings.hint(Map.of());
        assertTrue(both.contains("OMP_WAIT_POLICY=PASSIVE") && both.contains("OPENBLAS_THREAD_TIMEOUT=4"), both);
        String blas = NativeThreadSettings.hint(Map.of("OMP_WAIT_POLICY", "PASSIVE"));
        assertTrue(blas.contains("OPENBLAS_THREAD_TIMEOUT=4") && !blas.contains("OMP_WAIT_POLICY"), blas);
        String omp = NativeThreadSettings.hint(Map.of("OPENBLAS_THREAD_TIMEOUT", "8"));
        assertTrue(omp.contains("OMP_WAIT_POLICY=PASSIVE") && !omp.contains("OPENBLAS"), omp);
        assertNull(NativeThreadSettings.hint(Map.of("OMP_WAIT_POLICY", "ACTIVE", "OPENBLAS_THREAD_TIMEOUT", "28")),
                "a user's own values are respected");
    }

    @Test
    void theVariablesAreTheOnesTheHintNames() {
        assertEquals(java.util.List.of("OMP_WAIT_POLICY", "OPENBLAS_THREAD_TIMEOUT"), NativeThreadSettings.variables());
    }

    /** The test configuration (pom.xml, surefire) sets both, like every launcher. */
    @Test
    void theTestsRunWithBothSet() {
        assertEquals("PASSIVE", System.getenv("OMP_WAIT_POLICY"));
        assertEquals("4", System.getenv("OPENBLAS_THREAD_TIMEOUT"));
        assertNull(NativeThreadSettings.hint());
    }
}
