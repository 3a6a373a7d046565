package org.distill4j.examples.robustness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code main}, in a child JVM: output written with print() (no newline-triggered flush), as summarize and
 * report write their tables, must reach stdout before System.exit. It once did not: report printed nothing.
 */
class MainOutputTest {

    @TempDir
    Path dir;

    @Test
    void tablesWrittenWithPrintReachStdout() throws Exception {
        Path log = dir.resolve("summarize.log");
        int code = ChildRun.run(log, List.of("-Xmx512m"), "summarize", "--preset", "T4-tiny", "--vocab-size", "100",
                "--depth", "1");
        String out = Files.readString(log);
        assertEquals(0, code, out);
        assertTrue(out.contains("parameters") && out.contains("bert"), "the table is missing from stdout:\n" + out);
    }
}
