package org.distill4j.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.distill4j.core.config.ConfigException;
import org.distill4j.core.config.DistillationConfig;
import org.distill4j.core.config.TrainingConfig;
import org.distill4j.core.data.Batch;
import org.distill4j.core.data.BatchPostprocessor;
import org.distill4j.core.listener.TrainingListener;
import org.distill4j.core.support.Runs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Batch post-processors: seeded per micro-batch, so augmented runs repeat and resume exactly. */
class BatchPostprocessorTest {

    @TempDir
    Path dir;

    /** Adds seeded Gaussian noise to the features: a stand-in for token augmentation on this float model. */
    private static BatchPostprocessor noise(AtomicInteger calls) {
        return (batch, rng) -> {
            calls.incrementAndGet();
            INDArray f = batch.get("features");
            double[] n = new double[(int) f.length()];
            for (int i = 0; i < n.length; i++) {
                n[i] = 0.3 * rng.nextGaussian();
            }
            Map<String, INDArray> fields = new LinkedHashMap<>(batch.fields());
            fields.put("features", f.add(Nd4j.create(n, f.shape(), f.dataType())));
            return new Batch(fields);
        };
    }

    private GeneralDistiller distiller(String out, BatchPostprocessor p, TrainingListener l, Path resume) {
        var b = GeneralDistiller.builder()
                .trainingConfig(TrainingConfig.builder().numEpochs(2).batchSize(8).seed(4).outputDir(dir.resolve(out).toString()).build())
                .distillationConfig(DistillationConfig.builder().hardLabelWeight(1).build())
                .teacher(Runs.teacher(dir)).student(Runs.student()).batchPostprocessor(p);
        if (l != null) {
            b.listener(l);
        }
        if (resume != null) {
            b.resumeFrom(resume);
        }
        return b.build();
    }

    @Test
    void augmentedRunsRepeatAndResumeExactly() {
        AtomicInteger calls = new AtomicInteger();
        GeneralDistiller full = distiller("full", noise(calls), null, null);
        full.train(Runs.data());
        assertEquals(10, calls.get(), "one call per micro-batch: 40 examples / 8, two epochs");
        GeneralDistiller plain = distiller("plain", null, null, null);
        plain.train(Runs.data());
        assertNotEquals(plain.student().sd().getArrForVarName("cls/W"), full.student().sd().getArrForVarName("cls/W"));

        distiller("split", noise(new AtomicInteger()), new TrainingListener() {
            @Override
            public void onStepEnd(TrainingContext ctx, StepLosses losses) {
                if (ctx.state().step() == 3) {
                    ctx.requestStop("interrupted");
                }
            }
        }, null).train(Runs.data());
        GeneralDistiller resumed = distiller("split", noise(new AtomicInteger()), null, dir.resolve("split"));
        resumed.train(Runs.data());
        for (String p : full.student().parameterNames()) {
            assertTrue(full.student().sd().getArrForVarName(p).equalsWithEps(resumed.student().sd().getArrForVarName(p), 1e-6), p);
        }
    }

    @Test
    void cachingTeacherOutputsWithAPostprocessorIsRefused() {
        ConfigException e = assertThrows(ConfigException.class, () -> GeneralDistiller.builder()
                .trainingConfig(TrainingConfig.builder().outputDir(dir.resolve("x").toString()).build())
                .distillationConfig(DistillationConfig.builder().isCachingLogits(true).build())
                .teacher(Runs.teacher(dir)).student(Runs.student()).batchPostprocessor(noise(new AtomicInteger())).build());
        assertEquals("distillation.is_caching_logits", e.field());
    }
}
