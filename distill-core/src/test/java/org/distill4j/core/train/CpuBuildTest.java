package org.distill4j.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class CpuBuildTest {

    private static final Set<String> AVX512 = Set.of("sse4_2", "avx", "avx2", "fma", "f16c", "bmi2", "avx512f",
            "avx512cd", "avx512bw", "avx512dq", "avx512vl");
    private static final Set<String> AVX2 = Set.of("sse4_2", "avx", "avx2", "fma", "f16c", "bmi2");
    private static final Predicate<String> BOTH_ONEDNN = b -> b.equals("onednn-avx512") || b.equals("onednn-avx2");

    @Test
    void picksTheFastestBuildThisCpuRunsAmongThosePresent() {
        assertEquals("onednn-avx512", CpuBuild.choose(null, AVX512, BOTH_ONEDNN));
        assertEquals("onednn-avx2", CpuBuild.choose(null, AVX2, BOTH_ONEDNN));
        assertEquals("onednn-avx2", CpuBuild.choose(null, AVX512, b -> b.equals("onednn-avx2")));
        assertEquals("generic", CpuBuild.choose(null, AVX512, b -> false));
    }

    @Test
    void neverPicksABuildTheCpuLacksInstructionsFor() {
        assertEquals("generic", CpuBuild.choose(null, Set.of(), BOTH_ONEDNN), "flags unknown");
        assertEquals("generic", CpuBuild.choose(null, Set.of("avx", "avx2"), BOTH_ONEDNN), "AVX2 without FMA");
        Set<String> noVl = new java.util.HashSet<>(AVX512);
        noVl.remove("avx512vl");
        assertEquals("onednn-avx2", CpuBuild.choose(null, noVl, BOTH_ONEDNN));
    }

    @Test
    void theUsersChoiceWinsAndIsChecked() {
        assertEquals("generic", CpuBuild.choose("generic", AVX512, BOTH_ONEDNN));
        assertEquals("onednn-avx2", CpuBuild.choose(" ONEDNN-AVX2 ", AVX512, BOTH_ONEDNN));
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> CpuBuild.choose("fast", AVX512, BOTH_ONEDNN));
        assertTrue(unknown.getMessage().contains(CpuBuild.ENV + "='fast'"), unknown.getMessage());
        assertTrue(unknown.getMessage().contains("allowed: onednn-avx512, avx512, onednn-avx2, avx2, generic"),
                unknown.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> CpuBuild.choose("avx512", AVX512, BOTH_ONEDNN));
        assertTrue(missing.getMessage().contains("nd4j-native-*-linux-x86_64-avx512.jar is not on the class path"),
                missing.getMessage());
        assertTrue(missing.getMessage().contains("present: onednn-avx512, onednn-avx2, generic"), missing.getMessage());
    }

    @Test
    void distillCoreAloneCarriesOnlyTheGenericBuild() {
        // the optimised builds come with distill-examples (the command line and example mains), not the library
        assertEquals(false, CpuBuild.onClassPath("onednn-avx512"));
        assertEquals(false, CpuBuild.onClassPath("onednn-avx2"));
    }
}
