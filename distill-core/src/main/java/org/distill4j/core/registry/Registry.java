package org.distill4j.core.registry;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.distill4j.core.config.ConfigException;

/**
 * Named entries of one family (KD losses, match losses, projections, schedules, optimizers). Configuration files
 * name entries; they never name classes. Users add their own with {@link #register}.
 *
 * @param <T> the entry type
 */
public final class Registry<T> {

    private final String family;
    private final Map<String, T> entries = new LinkedHashMap<>();

    /** @param family human-readable family name used in error messages, e.g. "match loss" */
    public Registry(String family) {
        this.family = family;
    }

    /**
     * Adds or replaces an entry.
     *
     * @return this registry, for chaining
     */
    public Registry<T> register(String name, T entry) {
        if (name == null || !name.matches("[a-z][a-z0-9_]*")) {
            throw new IllegalArgumentException(family + " names are lower-case snake_case, got '" + name + "'");
        }
        entries.put(name, java.util.Objects.requireNonNull(entry, "entry"));
        return this;
    }

    /**
     * The entry of that name.
     *
     * @param field configuration field that held the name, for the error message
     * @throws ConfigException naming the field, the unknown name and the registered names
     */
    public T get(String field, String name) {
        T entry = entries.get(name);
        if (entry == null) {
            throw new ConfigException(field, name, "unknown " + family + "; " + ConfigException.oneOf(entries.keySet()));
        }
        return entry;
    }

    /** True if an entry of that name exists. */
    public boolean contains(String name) {
        return entries.containsKey(name);
    }

    /** Registered names, in registration order. */
    public Set<String> names() {
        return Collections.unmodifiableSet(entries.keySet());
    }

    /** A copy that can be extended without touching this one. */
    public Registry<T> copy() {
        Registry<T> copy = new Registry<>(family);
        copy.entries.putAll(entries);
        return copy;
    }
}
