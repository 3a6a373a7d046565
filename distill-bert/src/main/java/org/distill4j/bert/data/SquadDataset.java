package org.distill4j.bert.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What {@link SquadReader} reads: the examples (questions), their features (one per context window) and the
 * {@link TaskDataset} whose row {@code i} is feature {@code i}. Train on {@link #dataset()}; use
 * {@link #feature(int)} to map a row's predicted start/end positions back to the example and the context text.
 * Row order stays the same under {@link TaskDataset#withFixedLength(int)} and the other views, so the mapping holds
 * for them too.
 */
public final class SquadDataset {

    private final TaskDataset dataset;
    private final List<SquadExample> examples;
    private final List<SquadFeature> features;
    private final Map<String, Integer> exampleIndex;
    private final List<List<SquadFeature>> byExample;

    SquadDataset(TaskDataset dataset, List<SquadExample> examples, List<SquadFeature> features) {
        if (dataset.size() != features.size()) {
            throw new IllegalArgumentException(dataset.size() + " rows for " + features.size() + " features");
        }
        this.dataset = dataset;
        this.examples = List.copyOf(examples);
        this.features = List.copyOf(features);
        Map<String, Integer> index = new HashMap<>();
        List<List<SquadFeature>> grouped = new ArrayList<>();
        for (int i = 0; i < this.examples.size(); i++) {
            index.put(this.examples.get(i).id(), i);
            grouped.add(new ArrayList<>());
        }
        for (SquadFeature f : this.features) {
            grouped.get(f.exampleIndex()).add(f);
        }
        List<List<SquadFeature>> frozen = new ArrayList<>();
        for (List<SquadFeature> g : grouped) {
            frozen.add(List.copyOf(g));
        }
        this.exampleIndex = Collections.unmodifiableMap(index);
        this.byExample = List.copyOf(frozen);
    }

    /**
     * @return the features as an {@link org.distill4j.core.data.ExampleSet} of {@link TaskType#QUESTION_ANSWERING}:
     *     input_ids, token_type_ids, attention_mask [B, L] INT, start_positions, end_positions [B] INT
     */
    public TaskDataset dataset() {
        return dataset;
    }

    /** @return the questions in file order (unmodifiable) */
    public List<SquadExample> examples() {
        return examples;
    }

    /** @return the features in row order (unmodifiable); feature {@code i} is dataset row {@code i} */
    public List<SquadFeature> features() {
        return features;
    }

    /**
     * @param row a dataset row
     * @return its feature
     */
    public SquadFeature feature(int row) {
        return features.get(row);
    }

    /**
     * @param id a question id
     * @return the example
     * @throws IllegalArgumentException if there is no such question
     */
    public SquadExample example(String id) {
        return examples.get(indexOf(id));
    }

    /**
     * @param id a question id
     * @return its features (windows) in order
     * @throws IllegalArgumentException if there is no such question
     */
    public List<SquadFeature> featuresOf(String id) {
        return byExample.get(indexOf(id));
    }

    private int indexOf(String id) {
        Integer i = exampleIndex.get(Objects.requireNonNull(id, "id"));
        if (i == null) {
            throw new IllegalArgumentException("no question with id '" + id + "'");
        }
        return i;
    }

    @Override
    public String toString() {
        return "SquadDataset[" + examples.size() + " questions, " + features.size() + " features]";
    }
}
