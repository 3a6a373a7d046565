package org.distill4j.core.train;

/** A loss term or the gradient became NaN or infinite; the run stops and the last checkpoint stays as it was. */
public class NonFiniteLossException extends RuntimeException {

    private final String term;
    private final long step;

    public NonFiniteLossException(String term, long step, double value) {
        super("loss term '" + term + "' is " + value + " at update " + step + " (1-based); the run stopped and the last "
                + "checkpoint is intact. Lower the learning rate, enable max_grad_norm, or check the inputs of this term");
        this.term = term;
        this.step = step;
    }

    /** Name of the term that was not finite. */
    public String term() {
        return term;
    }

    /** 1-based update at which it happened. */
    public long step() {
        return step;
    }
}
