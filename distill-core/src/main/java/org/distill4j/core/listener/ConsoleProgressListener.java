package org.distill4j.core.listener;

import java.io.PrintStream;
import java.text.DecimalFormat;
import java.util.Map;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.distill4j.core.train.StepLosses;
import org.distill4j.core.train.TrainingContext;

/**
 * A console progress bar over the run's updates with the loss, throughput (examples/s) and ETA, and one line per
 * evaluation. Uses the progressbar library, which redraws in place on a terminal and prints plain lines otherwise.
 */
public final class ConsoleProgressListener implements TrainingListener {

    /** Width of a progress line when the output is not a terminal, in characters. */
    static final int PLAIN_LINE_WIDTH = 160;

    private final String task;
    private final PrintStream out;
    private final boolean terminal;
    private ProgressBar bar;
    private long startNanos;
    private long startStep;

    /** @param task the label in front of the bar, e.g. "distill" */
    public ConsoleProgressListener(String task) {
        this(task, System.out, System.console() != null);
    }

    /** Writes to {@code out}, redrawing in place only when {@code terminal} (for tests and embedding). */
    ConsoleProgressListener(String task, PrintStream out, boolean terminal) {
        this.task = task;
        this.out = out;
        this.terminal = terminal;
    }

    @Override
    public void onRunStart(TrainingContext ctx) {
        ProgressBarBuilder builder = new ProgressBarBuilder().setTaskName(task).setInitialMax(ctx.state().totalSteps())
                .setStyle(ProgressBarStyle.ASCII).setUnit(" updates", 1).showSpeed(new DecimalFormat("0.00"))
                .startsFrom(ctx.state().step(), java.time.Duration.ZERO);
        if (!terminal) {
            // Not a terminal (CI, a log file, a notebook): a line every 10 s instead of redrawing in place, as wide as
            // the line needs (the library's 80-column default cut off the loss, examples/s and epoch).
            builder.setConsumer(new DelegatingProgressBarConsumer(out::println, PLAIN_LINE_WIDTH))
                    .setUpdateIntervalMillis(10_000);
        } else {
            builder.setUpdateIntervalMillis(500);
        }
        bar = builder.build();
        startNanos = System.nanoTime();
        startStep = ctx.state().step();
    }

    @Override
    public void onStepEnd(TrainingContext ctx, StepLosses losses) {
        long done = ctx.state().step();
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        bar.stepTo(done);
        String where = ctx.task().isEmpty() ? "epoch " + (ctx.state().epoch() + 1) : "task " + ctx.task();
        bar.setExtraMessage(String.format(" loss %.4f | %.1f ex/s | %s", losses.total(),
                ctx.examplesSeen() / Math.max(seconds, 1e-9), where));
        if (done - startStep == 0) {
            bar.refresh();
        }
    }

    @Override
    public void onEvaluation(TrainingContext ctx, Map<String, Double> metrics) {
        StringBuilder sb = new StringBuilder();
        metrics.forEach((k, v) -> sb.append(String.format(" %s=%.4f", k, v)));
        out.println(System.lineSeparator() + "[" + task + "] evaluation at update " + ctx.state().step() + ":" + sb);
    }

    @Override
    public void onRunEnd(TrainingContext ctx) {
        closeBar();
        if (ctx.stopReason() != null) {
            out.println("[" + task + "] stopped: " + ctx.stopReason());
        }
    }

    @Override
    public void onException(TrainingContext ctx, Throwable error) {
        closeBar();
    }

    private void closeBar() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
