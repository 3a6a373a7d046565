package org.distill4j.core.train;

/** What listeners see of a run, and how they stop it. */
public interface TrainingContext {

    /** The run's position. */
    RunState state();

    /** Asks the loop to stop after the current update (a final checkpoint is written). */
    void requestStop(String reason);

    /** The reason given to {@link #requestStop}, or null. */
    String stopReason();

    /** The task of the current (or last) step: "" except in a {@link MultiTaskDistiller} run. */
    default String task() {
        return "";
    }

    /** Examples in the training set (all tasks' together in a multi-task run). */
    int examples();

    /** Examples processed since this run (or this resumption) started. */
    long examplesSeen();
}
