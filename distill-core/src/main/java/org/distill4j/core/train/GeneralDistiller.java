package org.distill4j.core.train;

/**
 * TextBrewer's recommended distiller: KD on logits, hard-label losses and intermediate-feature matches (hidden
 * states, attentions, Gram/relation losses), with projections trained together with the student.
 */
public final class GeneralDistiller extends Distiller {

    private GeneralDistiller(Setup setup) {
        super(setup, Mode.KD_WITH_MATCHES);
    }

    /** A builder; set the configurations, the teacher and the student. */
    public static Builder<GeneralDistiller> builder() {
        return new Builder<>(GeneralDistiller::new);
    }
}
