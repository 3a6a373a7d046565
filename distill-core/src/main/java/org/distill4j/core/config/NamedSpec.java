package org.distill4j.core.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.ArrayList;
import java.util.List;

/**
 * A scheduler named with positional arguments, written the way TextBrewer writes it: {@code "none"} or a list
 * such as {@code ["flsw", 1.0, 2.0]} (name, then numbers). Which names and how many arguments are allowed is
 * checked against the scheduler registry when a distiller is built.
 *
 * @param name registry name of the scheduler
 * @param args positional numeric arguments (may be empty)
 */
public record NamedSpec(String name, List<Double> args) {

    /** The "no scheduler" value. */
    public static final NamedSpec NONE = new NamedSpec("none", List.of());

    public NamedSpec {
        if (name == null || name.isBlank()) {
            throw new ConfigException("scheduler", name, "a scheduler needs a name, e.g. \"none\" or [\"flsw\", 1, 2]");
        }
        args = List.copyOf(args == null ? List.of() : args);
    }

    /** A named spec with the given arguments. */
    public static NamedSpec of(String name, double... args) {
        List<Double> list = new ArrayList<>();
        for (double a : args) {
            list.add(a);
        }
        return new NamedSpec(name, list);
    }

    /** Reads {@code "name"} or {@code ["name", a1, a2, ...]}. */
    @JsonCreator
    public static NamedSpec fromJson(Object json) {
        if (json instanceof String s) {
            return new NamedSpec(s, List.of());
        }
        if (json instanceof List<?> list && !list.isEmpty() && list.get(0) instanceof String head) {
            List<Double> args = new ArrayList<>();
            for (int i = 1; i < list.size(); i++) {
                if (!(list.get(i) instanceof Number n)) {
                    throw new ConfigException("scheduler[" + i + "]", list.get(i), "scheduler arguments must be numbers");
                }
                args.add(n.doubleValue());
            }
            return new NamedSpec(head, args);
        }
        throw new ConfigException("scheduler", json, "write \"none\" or a list [name, number, ...]");
    }

    /** Writes the same forms {@link #fromJson} reads. */
    @JsonValue
    public Object toJson() {
        if (args.isEmpty()) {
            return name;
        }
        List<Object> out = new ArrayList<>();
        out.add(name);
        out.addAll(args);
        return out;
    }

    /** Argument {@code i}, or {@code fallback} when fewer were given. */
    public double arg(int i, double fallback) {
        return i < args.size() ? args.get(i) : fallback;
    }
}
