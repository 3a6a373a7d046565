package org.distill4j.core.train;

/**
 * Distillation from several teachers: the KD target is the weighted mean of the teachers' logits (equal weights by
 * default, TextBrewer's behaviour), hard labels as in BasicDistiller, and intermediate matches against the first
 * teacher (choose it with {@link Distiller.Builder#teachers}). Teachers may differ in architecture and in the batch
 * fields they read (e.g. their own tokenization) as long as their logits have the student's shape.
 */
public final class MultiTeacherDistiller extends Distiller {

    private MultiTeacherDistiller(Setup setup) {
        super(setup, Mode.KD_WITH_MATCHES);
    }

    /** A builder; set the teachers with {@link Distiller.Builder#teachers}. */
    public static Builder<MultiTeacherDistiller> builder() {
        return new Builder<>(MultiTeacherDistiller::new);
    }
}
