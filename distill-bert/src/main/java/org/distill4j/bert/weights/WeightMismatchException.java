package org.distill4j.bert.weights;

/**
 * A weight source does not match the tensors a model expects; the message lists every missing, unexpected,
 * mis-shaped and unreadable tensor (see {@link WeightMap.Report#describe()}).
 */
public class WeightMismatchException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient WeightMap.Report report;

    /**
     * @param report the failed check
     */
    public WeightMismatchException(WeightMap.Report report) {
        super(report.describe());
        this.report = report;
    }

    /** @return the failed check, with each list of problems */
    public WeightMap.Report report() {
        return report;
    }
}
