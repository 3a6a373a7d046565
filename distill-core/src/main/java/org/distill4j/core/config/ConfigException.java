package org.distill4j.core.config;

import java.util.Collection;

/**
 * A configuration value that cannot be used. The message always names the field (as a dotted path in the
 * experiment file, e.g. {@code distillation.intermediate_matches[2].loss}), the bad value and what is allowed,
 * so the user can fix the file without reading our code. Raised before any training step.
 */
public class ConfigException extends IllegalArgumentException {

    private final String field;

    /**
     * @param field   dotted path of the offending field
     * @param value   the value that was given (may be null)
     * @param allowed a description of what would have been accepted
     */
    public ConfigException(String field, Object value, String allowed) {
        super(field + ": " + describe(value) + " is not allowed; " + allowed);
        this.field = field;
    }

    private ConfigException(Throwable cause, String field, String message) {
        super(field + ": " + message, cause);
        this.field = field;
    }

    /** For errors that are not about a single value (e.g. a file that cannot be parsed); cause may be null. */
    public static ConfigException because(String field, String message, Throwable cause) {
        return new ConfigException(cause, field, message);
    }

    /** Dotted path of the offending field. */
    public String field() {
        return field;
    }

    /** "allowed: a, b, c" for a set of names. */
    public static String oneOf(Collection<String> names) {
        return "allowed: " + String.join(", ", names.stream().sorted().toList());
    }

    private static String describe(Object value) {
        if (value == null) {
            return "a missing value";
        }
        return value instanceof CharSequence ? "'" + value + "'" : String.valueOf(value);
    }
}
