package org.distill4j.bert.data;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.distill4j.core.config.ConfigException;

/** Label vocabularies: validation of given ones and the stable order of collected ones. */
final class LabelVocabularies {

    private static final Comparator<String> NUMERIC = Comparator.comparing(BigInteger::new);

    private LabelVocabularies() {
    }

    /**
     * Checks a user-given vocabulary.
     *
     * @param field  name of the setting, for the error message
     * @param labels the labels in class-id order
     * @return an unmodifiable copy
     * @throws ConfigException if empty, or a label is null, blank, padded with whitespace or repeated
     */
    static List<String> checked(String field, List<String> labels) {
        if (labels == null || labels.isEmpty()) {
            throw new ConfigException(field, labels == null ? null : "[]", "give at least one label name");
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < labels.size(); i++) {
            String l = labels.get(i);
            if (l == null || l.isBlank() || !l.strip().equals(l)) {
                throw new ConfigException(field + "[" + i + "]", l,
                        "label names must be non-blank without surrounding whitespace");
            }
            if (!seen.add(l)) {
                throw new ConfigException(field + "[" + i + "]", l, "label names must be distinct (" + labels + ")");
            }
        }
        return List.copyOf(labels);
    }

    /**
     * The vocabulary of labels seen in the data: sorted numerically when every label is an integer (so "10" follows
     * "9"), otherwise by {@link String#compareTo}; the same set always gives the same ids, whatever the file order.
     *
     * @param seen labels found in the data
     * @return sorted, distinct labels
     */
    static List<String> collected(Collection<String> seen) {
        boolean numeric = !seen.isEmpty() && seen.stream().allMatch(s -> s.matches("[+-]?\\d+"));
        TreeSet<String> sorted = new TreeSet<>(numeric ? NUMERIC.thenComparing(Comparator.naturalOrder())
                : Comparator.naturalOrder());
        sorted.addAll(seen);
        return List.copyOf(new ArrayList<>(sorted));
    }

    /** "known labels: a, b, c" (at most 50 named). */
    static String known(List<String> labels) {
        int n = labels.size();
        List<String> shown = n > 50 ? labels.subList(0, 50) : labels;
        return "known labels: " + String.join(", ", shown) + (n > 50 ? ", ... (" + n + " in all)" : "");
    }
}
