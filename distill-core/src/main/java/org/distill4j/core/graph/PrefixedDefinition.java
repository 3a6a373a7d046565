package org.distill4j.core.graph;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * A model definition whose graph variables all get a name prefix, so two models (a teacher and a student) can live
 * in one SameDiff graph. SameDiff's name scopes do not prefix explicitly named variables, so the variables are
 * renamed after the inner definition built them; the adaptor's names follow (batch fields do not change). Build a
 * prefixed model before another model with the same names: the names must be free while the inner model builds.
 */
public final class PrefixedDefinition implements ModelDefinition {

    private final ModelDefinition inner;
    private final String prefix;

    /** @param prefix e.g. "teacher/" */
    public PrefixedDefinition(ModelDefinition inner, String prefix) {
        this.inner = inner;
        this.prefix = prefix;
    }

    @Override
    public ModelAdaptor build(SameDiff sd, long seed) {
        Set<String> before = new HashSet<>();
        for (SDVariable v : sd.variables()) {
            before.add(v.name());
        }
        ModelAdaptor a = inner.build(sd, seed);
        Set<String> created = new HashSet<>();
        for (SDVariable v : List.copyOf(sd.variables())) {
            if (!before.contains(v.name())) {
                created.add(v.name());
            }
        }
        for (String name : created) {
            sd.renameVariable(name, prefix + name);
        }
        UnaryOperator<String> r = n -> n == null ? null : created.contains(n) ? prefix + n : n;
        Map<String, String> inputs = new LinkedHashMap<>();
        a.inputs().forEach((placeholder, field) -> inputs.put(r.apply(placeholder), field));
        Map<String, List<String>> features = new LinkedHashMap<>();
        a.features().forEach((kind, names) -> features.put(kind, names.stream().map(r).toList()));
        return new ModelAdaptor(inputs, a.logits().stream().map(r).toList(), r.apply(a.logitsMask()), r.apply(a.labels()),
                a.losses().stream().map(r).toList(), features, r.apply(a.inputsMask()),
                a.lookups().stream().map(l -> new EmbeddingLookup(r.apply(l.table()), l.ids(), r.apply(l.rows()))).toList(),
                r.apply(a.trainingFlag()),
                a.randomMasks().stream().map(m -> new RandomMask(r.apply(m.placeholder()), m.like(), m.dims(), m.keep())).toList());
    }
}
