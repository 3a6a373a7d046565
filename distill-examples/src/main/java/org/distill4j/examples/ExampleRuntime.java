package org.distill4j.examples;

import org.distill4j.core.train.CpuBuild;
import org.distill4j.core.train.MemoryLimits;
import org.distill4j.core.train.NativeThreadSettings;

/**
 * What every example main does first, before any ND4J class loads: set the memory limits and the ND4J CPU build, and
 * say what they are.
 */
public final class ExampleRuntime {

    private ExampleRuntime() {
    }

    /**
     * Applies {@link MemoryLimits#applyDefaults()} and {@link CpuBuild#applyDefault()} and prints them, with
     * {@link NativeThreadSettings#hint()} when there is one.
     */
    public static void start() {
        System.out.println(MemoryLimits.applyDefaults());
        System.out.println(CpuBuild.applyDefault());
        String hint = NativeThreadSettings.hint();
        if (hint != null) {
            System.out.println(hint);
        }
    }
}
