package org.distill4j.core.listener;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.distill4j.core.train.RunState;
import org.distill4j.core.train.StepLosses;
import org.distill4j.core.train.TrainingContext;
import org.junit.jupiter.api.Test;

/** What the progress line says when the output is a log file, not a terminal. */
class ConsoleProgressListenerTest {

    private static TrainingContext at(long step) {
        return new TrainingContext() {
            @Override
            public RunState state() {
                return new RunState(step, 96, 2, 1, 12);
            }

            @Override
            public void requestStop(String reason) {
            }

            @Override
            public String stopReason() {
                return null;
            }

            @Override
            public int examples() {
                return 190;
            }

            @Override
            public long examplesSeen() {
                return step * 16;
            }
        };
    }

    @Test
    void aLogLineKeepsTheLossThroughputAndEpochAndPrintsSpeedWithALeadingDigit() throws InterruptedException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        ConsoleProgressListener listener = new ConsoleProgressListener("fine-tune", out, false);
        listener.onRunStart(at(0));
        StepLosses losses = new StepLosses(0.0048, Map.of(), Map.of(), Map.of());
        listener.onStepEnd(at(0), losses);
        Thread.sleep(1100); // the library shows "?" for the speed until some time has passed
        listener.onStepEnd(at(46), losses);
        listener.onRunEnd(at(46));
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("%")).toList();
        String last = lines.get(lines.size() - 1);
        // Before: the library cut plain lines at 80 columns, after "loss 0.0048 | ", and printed 0.1 as ".1".
        assertTrue(last.contains("46/96 updates"), last);
        assertTrue(last.contains("loss 0.0048 | ") && last.contains(" ex/s | epoch 3"), last);
        assertTrue(last.matches(".*\\) \\d+\\.\\d\\d updates/s.*"), last);
        assertTrue(last.length() <= ConsoleProgressListener.PLAIN_LINE_WIDTH, last);
    }
}
