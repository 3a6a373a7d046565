package org.distill4j.core.train;

/**
 * Plain supervised training of one model on the losses its adaptor names (no teacher), e.g. to fine-tune a
 * teacher before distilling it. The distillation configuration is ignored.
 */
public final class BasicTrainer extends Distiller {

    private BasicTrainer(Setup setup) {
        super(setup, Mode.SUPERVISED);
    }

    /** A builder; set at least the training configuration and the model (as {@code student}). */
    public static Builder<BasicTrainer> builder() {
        return new Builder<>(BasicTrainer::new);
    }
}
