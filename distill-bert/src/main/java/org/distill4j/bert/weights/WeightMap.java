package org.distill4j.bert.weights;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The tensors a model expects, by name and shape, and the check of a {@link TensorSource} against them. A model
 * loader builds one from its parameter shapes, lets the source's names be translated with
 * {@link TensorSource#renamed}, and calls {@link #load}: either every expected tensor is read, or one
 * {@link WeightMismatchException} lists every missing, unexpected, mis-shaped and unreadable tensor, so a wrong
 * mapping is fixed in one round instead of one name at a time.
 *
 * <pre>{@code
 * WeightMap expected = WeightMap.expecting(model.parameterShapes())
 *         .ignoringUnexpected(name -> name.startsWith("cls/"));   // pre-training heads we do not use
 * Map<String, INDArray> weights = expected.load(checkpoint.renamed(n -> n.replaceFirst("^module/", "")));
 * }</pre>
 *
 * Instances are immutable.
 */
public final class WeightMap {
    private final Map<String, long[]> expected;
    private final Predicate<String> ignoredUnexpected;

    private WeightMap(Map<String, long[]> expected, Predicate<String> ignoredUnexpected) {
        this.expected = expected;
        this.ignoredUnexpected = ignoredUnexpected;
    }

    /**
     * @param shapes expected tensor names and shapes; iteration order is kept for {@link #load}'s result
     * @return a map that treats every other tensor in a source as unexpected
     */
    public static WeightMap expecting(Map<String, long[]> shapes) {
        Map<String, long[]> copy = new LinkedHashMap<>();
        shapes.forEach((name, shape) -> copy.put(Objects.requireNonNull(name, "name"),
                Objects.requireNonNull(shape, () -> "shape of " + name).clone()));
        return new WeightMap(Collections.unmodifiableMap(copy), n -> false);
    }

    /**
     * @param names unexpected tensors to tolerate (e.g. optimizer slots, pre-training heads); combined with any
     *              earlier predicate by "or"
     * @return a copy of this map that does not report those names as unexpected
     */
    public WeightMap ignoringUnexpected(Predicate<String> names) {
        return new WeightMap(expected, ignoredUnexpected.or(names));
    }

    /** @return a copy of this map that tolerates any extra tensor in a source */
    public WeightMap ignoringAllUnexpected() {
        return ignoringUnexpected(n -> true);
    }

    /** @return the expected names in order, each with a copy of its shape */
    public Map<String, long[]> expected() {
        Map<String, long[]> copy = new LinkedHashMap<>();
        expected.forEach((k, v) -> copy.put(k, v.clone()));
        return copy;
    }

    /**
     * Compares a source's names, shapes and dtypes with the expected ones, reading no data.
     *
     * @param source the weights
     * @return every difference
     */
    public Report check(TensorSource source) {
        List<String> missing = new ArrayList<>();
        List<ShapeMismatch> misShaped = new ArrayList<>();
        List<String> unreadable = new ArrayList<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            if (!source.contains(e.getKey())) {
                missing.add(e.getKey());
                continue;
            }
            TensorInfo info = source.info(e.getKey());
            if (!Arrays.equals(info.shape(), e.getValue())) {
                misShaped.add(new ShapeMismatch(e.getKey(), e.getValue(), info.shape()));
            }
            if (!info.isReadable()) {
                unreadable.add(e.getKey() + " (" + info.storedType() + ")");
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (String name : source.names()) {
            if (!expected.containsKey(name) && !ignoredUnexpected.test(name)) {
                unexpected.add(name);
            }
        }
        return new Report(source.description(), missing, unexpected, misShaped, unreadable);
    }

    /**
     * Checks the source, then reads every expected tensor.
     *
     * @param source the weights
     * @return expected name to array, in the expected order
     * @throws WeightMismatchException if the check finds any difference (nothing is read then)
     * @throws IOException             if reading fails
     */
    public Map<String, INDArray> load(TensorSource source) throws IOException {
        Report report = check(source);
        if (!report.ok()) {
            throw new WeightMismatchException(report);
        }
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String name : expected.keySet()) {
            out.put(name, source.read(name));
        }
        return out;
    }

    /**
     * A tensor whose shape differs from the expected one.
     *
     * @param name     tensor name
     * @param expected expected shape
     * @param actual   shape in the source
     */
    public record ShapeMismatch(String name, long[] expected, long[] actual) {
        /**
         * Copies the shapes.
         *
         * @param name     tensor name
         * @param expected expected shape
         * @param actual   shape in the source
         */
        public ShapeMismatch {
            expected = expected.clone();
            actual = actual.clone();
        }

        /** @return a copy of the expected shape */
        @Override
        public long[] expected() {
            return expected.clone();
        }

        /** @return a copy of the shape in the source */
        @Override
        public long[] actual() {
            return actual.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ShapeMismatch m && name.equals(m.name) && Arrays.equals(expected, m.expected)
                    && Arrays.equals(actual, m.actual);
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, Arrays.hashCode(expected), Arrays.hashCode(actual));
        }

        @Override
        public String toString() {
            return name + ": expected " + Arrays.toString(expected) + ", found " + Arrays.toString(actual);
        }
    }

    /**
     * The result of {@link #check}.
     *
     * @param source     the source's description
     * @param missing    expected names the source lacks
     * @param unexpected names in the source that are neither expected nor ignored
     * @param misShaped  expected names present with another shape
     * @param unreadable expected names present with a dtype that cannot be decoded, with that dtype
     */
    public record Report(String source, List<String> missing, List<String> unexpected,
                         List<ShapeMismatch> misShaped, List<String> unreadable) {
        /**
         * Makes the lists unmodifiable.
         *
         * @param source     the source's description
         * @param missing    expected names the source lacks
         * @param unexpected names in the source that are neither expected nor ignored
         * @param misShaped  expected names present with another shape
         * @param unreadable expected names present with an undecodable dtype
         */
        public Report {
            missing = List.copyOf(missing);
            unexpected = List.copyOf(unexpected);
            misShaped = List.copyOf(misShaped);
            unreadable = List.copyOf(unreadable);
        }

        /** @return whether the source matches the expectation exactly (up to ignored extras) */
        public boolean ok() {
            return missing.isEmpty() && unexpected.isEmpty() && misShaped.isEmpty() && unreadable.isEmpty();
        }

        /** @return a multi-line description listing every problem, or a one-line "matches" */
        public String describe() {
            if (ok()) {
                return "weights in " + source + " match the expected tensors";
            }
            StringBuilder sb = new StringBuilder("weights in ").append(source)
                    .append(" do not match the expected tensors: ").append(missing.size()).append(" missing, ")
                    .append(unexpected.size()).append(" unexpected, ").append(misShaped.size()).append(" mis-shaped, ")
                    .append(unreadable.size()).append(" unreadable");
            section(sb, "missing", missing);
            section(sb, "unexpected", unexpected);
            section(sb, "mis-shaped", misShaped);
            section(sb, "unreadable dtype", unreadable);
            return sb.toString();
        }

        private static void section(StringBuilder sb, String title, List<?> items) {
            if (!items.isEmpty()) {
                sb.append("\n  ").append(title).append(" (").append(items.size()).append("):");
                for (Object item : items) {
                    sb.append("\n    ").append(item);
                }
            }
        }
    }
}
