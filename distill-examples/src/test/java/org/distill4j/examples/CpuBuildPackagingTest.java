package org.distill4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.distill4j.core.train.CpuBuild;
import org.junit.jupiter.api.Test;

/** The command line and the example mains carry ND4J's oneDNN builds; the tests themselves run the generic one. */
class CpuBuildPackagingTest {

    @Test
    void theExamplesCarryTheOneDnnBuildsAndTestsPinTheGenericOne() {
        String property = System.getProperty(CpuBuild.PROPERTY);
        assertEquals("", property, "the test JVM's argLine pins the generic build (an empty extension)");
        assertEquals("ND4J CPU build: generic (set by -D" + CpuBuild.PROPERTY + ")", CpuBuild.applyDefault());
        assertEquals("", System.getProperty(CpuBuild.PROPERTY), "a set choice is left as it is");
        for (String build : new String[]{"onednn-avx512", "onednn-avx2"}) {
            assertTrue(getClass().getClassLoader().getResource("org/nd4j/linalg/cpu/nativecpu/bindings/linux-x86_64-"
                    + build + "/libnd4jcpu.so") != null, build + " is not on distill-examples' class path");
        }
    }
}
