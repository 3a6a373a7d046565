package org.distill4j.core.listener;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.distill4j.core.train.RunState;
import org.distill4j.core.train.StepLosses;
import org.distill4j.core.train.TrainingContext;

/**
 * Appends one JSON object per line to a metrics file: every update ({@code "event": "step"} with the total, each
 * term weighted and unweighted, the learning rates and the gradient norm), every evaluation and every checkpoint.
 * Appending (not truncating) keeps the history of a resumed run in one file.
 */
public final class MetricsFileListener implements TrainingListener {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path file;
    private BufferedWriter out;
    private double gradNorm = Double.NaN;
    private Map<String, Double> rates = Map.of();

    /** @param file the JSON-lines file to append to (its folder is created) */
    public MetricsFileListener(Path file) {
        this.file = file;
    }

    @Override
    public void onRunStart(TrainingContext ctx) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            dropUnfinishedLastLine();
            out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open metrics file " + file, e);
        }
        write(event("run_start", ctx.state()));
    }

    /** A run killed while writing leaves half a line; the resumed run would glue its first line onto it. */
    private void dropUnfinishedLastLine() throws IOException {
        if (!Files.isRegularFile(file)) {
            return;
        }
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            long end = ch.size();
            java.nio.ByteBuffer one = java.nio.ByteBuffer.allocate(1);
            long keep = end;
            while (keep > 0) {
                one.clear();
                ch.read(one, keep - 1);
                if (one.get(0) == '\n') {
                    break;
                }
                keep--;
            }
            if (keep < end) {
                ch.truncate(keep);
            }
        }
    }

    @Override
    public void beforeUpdate(TrainingContext ctx, double norm, Map<String, Double> learningRates) {
        gradNorm = norm;
        rates = learningRates;
    }

    @Override
    public void onStepEnd(TrainingContext ctx, StepLosses losses) {
        ObjectNode e = event("step", ctx.state());
        if (!ctx.task().isEmpty()) {
            e.put("task", ctx.task()); // multi-task: the task this update trained
        }
        e.put("loss", losses.total());
        e.put("grad_norm", gradNorm);
        e.set("learning_rates", JSON.valueToTree(rates));
        e.set("unweighted", JSON.valueToTree(losses.unweighted()));
        e.set("weighted", JSON.valueToTree(losses.weighted()));
        e.set("weights", JSON.valueToTree(losses.weights()));
        write(e);
    }

    @Override
    public void onEvaluation(TrainingContext ctx, Map<String, Double> metrics) {
        ObjectNode e = event("evaluation", ctx.state());
        e.set("metrics", JSON.valueToTree(metrics));
        write(e);
    }

    @Override
    public void onCheckpoint(TrainingContext ctx, Path checkpoint) {
        write(event("checkpoint", ctx.state()).put("file", checkpoint.toString()));
    }

    @Override
    public void onException(TrainingContext ctx, Throwable error) {
        if (out != null) {
            write(event("error", ctx.state()).put("message", String.valueOf(error.getMessage())));
            close();
        }
    }

    @Override
    public void onRunEnd(TrainingContext ctx) {
        ObjectNode e = event("run_end", ctx.state());
        if (ctx.stopReason() != null) {
            e.put("stop_reason", ctx.stopReason());
        }
        write(e);
        close();
    }

    private ObjectNode event(String name, RunState s) {
        ObjectNode e = JSON.createObjectNode();
        e.put("event", name).put("step", s.step()).put("epoch", s.epoch()).put("time", System.currentTimeMillis());
        return e;
    }

    private void write(ObjectNode e) {
        try {
            out.write(JSON.writeValueAsString(e));
            out.newLine();
            out.flush();
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot write metrics file " + file, ex);
        }
    }

    private void close() {
        try {
            out.close();
        } catch (IOException ignored) {
            // already flushed after every line
        }
        out = null;
    }
}
