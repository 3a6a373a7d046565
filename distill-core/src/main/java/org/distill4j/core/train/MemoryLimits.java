package org.distill4j.core.train;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * ND4J's native memory limits. ND4J keeps arrays outside the Java heap, under two JavaCPP limits read once, when ND4J
 * loads: {@code org.bytedeco.javacpp.maxbytes} (all native buffers) and
 * {@code org.bytedeco.javacpp.maxphysicalbytes} (the whole process's resident memory). JavaCPP's defaults tie them to
 * the Java heap (-Xmx and twice -Xmx), which is unrelated to the machine: too small for BERT-base on a large machine,
 * too large in a small container, where the kernel then kills the process without a message. {@link #applyDefaults()}
 * sets them from the machine's (or container's) memory instead, unless the user set them.
 */
public final class MemoryLimits {

    /** Share of the machine's memory the process may hold in all (heap, native, code). */
    static final double PROCESS_SHARE = 0.85;

    private MemoryLimits() {
    }

    /**
     * Sets JavaCPP's limits from the machine's memory, for any the user did not set with -D: the process may hold
     * {@value #PROCESS_SHARE} of it, and native buffers that minus the Java heap's maximum. Call it first thing in
     * main, before any ND4J class loads; later calls change nothing that ND4J sees.
     *
     * @return a one-line description of the limits in force, for the log
     */
    public static String applyDefaults() {
        long machine = machineBytes();
        long heap = Runtime.getRuntime().maxMemory();
        long physical = (long) (machine * PROCESS_SHARE);
        long nativeBytes = Math.max(physical - heap, 256L << 20);
        setIfAbsent("org.bytedeco.javacpp.maxphysicalbytes", physical);
        setIfAbsent("org.bytedeco.javacpp.maxbytes", nativeBytes);
        return String.format(Locale.ROOT, "memory: machine %s, Java heap %s, ND4J native buffers up to %s "
                        + "(-Dorg.bytedeco.javacpp.maxbytes), process up to %s (-Dorg.bytedeco.javacpp.maxphysicalbytes)",
                gib(machine), gib(heap), readable(System.getProperty("org.bytedeco.javacpp.maxbytes")),
                readable(System.getProperty("org.bytedeco.javacpp.maxphysicalbytes")));
    }

    /** A byte count we set, in GiB; a user's own setting (e.g. "8G") as given. */
    private static String readable(String value) {
        return value.matches("\\d+") ? gib(Long.parseLong(value)) : value;
    }

    private static void setIfAbsent(String key, long bytes) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, Long.toString(bytes));
        }
    }

    /**
     * The resident size the process may reach, in bytes: JavaCPP's maxPhysicalBytes (it refuses native allocations
     * beyond it), or the machine's memory when that is unlimited.
     */
    public static long processLimitBytes() {
        long max = org.bytedeco.javacpp.Pointer.maxPhysicalBytes();
        return max > 0 ? Math.min(max, machineBytes()) : machineBytes();
    }

    /** The machine's memory, or the container's limit (cgroup v2 or v1) when that is lower. */
    static long machineBytes() {
        long total = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
        for (String file : new String[]{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
            try {
                String v = Files.readString(Path.of(file)).strip();
                if (v.matches("\\d+")) {
                    total = Math.min(total, Long.parseLong(v));
                }
            } catch (IOException | RuntimeException ignored) {
                // no such cgroup file: not in a container, or another layout
            }
        }
        return total;
    }

    static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
    }
}
