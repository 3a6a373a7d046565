package org.distill4j.core.config;

/** Field-level checks used by the configuration records' compact constructors. */
final class Check {

    private Check() {
    }

    static double nonNegative(String field, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new ConfigException(field, value, "must be a finite number >= 0");
        }
        return value;
    }

    static double positive(String field, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new ConfigException(field, value, "must be a finite number > 0");
        }
        return value;
    }

    static int atLeast(String field, int value, int min) {
        if (value < min) {
            throw new ConfigException(field, value, "must be an integer >= " + min);
        }
        return value;
    }

    static double inRange(String field, double value, double lowInclusive, double highExclusive) {
        if (!(value >= lowInclusive && value < highExclusive)) {
            throw new ConfigException(field, value, "must be in [" + lowInclusive + ", " + highExclusive + ")");
        }
        return value;
    }
}
