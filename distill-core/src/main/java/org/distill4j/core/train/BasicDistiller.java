package org.distill4j.core.train;

/**
 * Distillation on logits: kd_loss_weight * KD(student, teacher) + hard_label_weight * the student's own losses.
 * Intermediate matches are rejected here; use {@link GeneralDistiller} for them.
 */
public final class BasicDistiller extends Distiller {

    private BasicDistiller(Setup setup) {
        super(setup, Mode.KD);
    }

    /** A builder; set the configurations, the teacher and the student. */
    public static Builder<BasicDistiller> builder() {
        return new Builder<>(BasicDistiller::new);
    }
}
