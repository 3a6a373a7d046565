package org.distill4j.examples.spam;

import java.util.Locale;

/** The three parts of the data set, in file order. */
public enum Split {
    /** Training data, about 80%. */
    TRAIN,
    /** Development (validation) data, about 10%. */
    DEV,
    /** Test data, about 10%. */
    TEST;

    /** @return {@code train}, {@code dev} or {@code test} */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @return {@code train.tsv}, {@code dev.tsv} or {@code test.tsv} */
    public String fileName() {
        return id() + ".tsv";
    }
}
