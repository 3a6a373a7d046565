package org.distill4j.core.train;

import java.util.ArrayList;
import java.util.List;
import org.distill4j.core.config.ConfigException;
import org.distill4j.core.config.DistillationConfig;
import org.distill4j.core.config.IntermediateMatch;
import org.distill4j.core.config.TrainingConfig;
import org.distill4j.core.graph.ModelAdaptor;
import org.distill4j.core.loss.KdLoss;
import org.distill4j.core.loss.MatchLoss;
import org.distill4j.core.optim.Optimizer;
import org.distill4j.core.projection.Projection;
import org.distill4j.core.registry.Registries;
import org.distill4j.core.schedule.LearningRateSchedule;
import org.distill4j.core.schedule.TemperatureSchedule;
import org.distill4j.core.schedule.WeightSchedule;

/**
 * A configuration resolved against the registries and checked against both adaptors, before any graph work:
 * every name exists, every index is in range, every required adaptor output is there. Checks that need tensor
 * shapes (widths, head counts, label spaces) run on the first batch, in {@link LossWiring}.
 */
record DistillationPlan(
        Mode mode,
        DistillationConfig config,
        KdLoss kdLoss,
        TemperatureSchedule temperatureSchedule,
        WeightSchedule kdWeightSchedule,
        WeightSchedule hardLabelWeightSchedule,
        List<ResolvedMatch> matches,
        Optimizer optimizer,
        LearningRateSchedule lrSchedule) {

    /** A match with its loss, the features it reads and its projection resolved. */
    record ResolvedMatch(int index, IntermediateMatch match, MatchLoss loss, List<String> features, Projection projection) {
        String field() {
            return "distillation.intermediate_matches[" + index + "]";
        }

        String termName() {
            return "match" + index + ":" + match.label();
        }
    }

    static DistillationPlan resolve(Mode mode, TrainingConfig training, DistillationConfig config, Registries registries,
                                    ModelAdaptor teacher, ModelAdaptor student) {
        Optimizer optimizer = registries.optimizers().get("training.optimizer.name", training.optimizer().name())
                .create(training.optimizer());
        LearningRateSchedule lr = registries.lrSchedules().get("training.lr_schedule.name", training.lrSchedule().name());
        lr.bind("training.lr_schedule", training.lrSchedule(), 1); // rejects unknown parameters now
        if (mode == Mode.SUPERVISED) {
            if (student.losses().isEmpty()) {
                throw new ConfigException("model adaptor.losses", "[]",
                        "supervised training needs at least one loss variable named by the adaptor");
            }
            return new DistillationPlan(mode, config, null, null, null, null, List.of(), optimizer, lr);
        }
        if (teacher == null) {
            throw new ConfigException("teacher", null, "a distiller needs a teacher model");
        }
        KdLoss kd = registries.kdLosses().get("distillation.kd_loss_type", config.kdLossType());
        TemperatureSchedule tau = registries.temperatureSchedules().get("distillation.temperature_scheduler",
                config.temperatureScheduler().name());
        tau.validate("distillation.temperature_scheduler", config.temperatureScheduler());
        WeightSchedule kdWeight = weightSchedule(registries, "distillation.kd_loss_weight_scheduler", config.kdLossWeightScheduler());
        WeightSchedule hardWeight = weightSchedule(registries, "distillation.hard_label_weight_scheduler", config.hardLabelWeightScheduler());

        if (config.kdLossWeight() > 0) {
            if (student.logits().isEmpty()) {
                throw new ConfigException("student adaptor.logits", "[]", "KD (kd_loss_weight > 0) needs the student's logits");
            }
            if (teacher.logits().size() != student.logits().size()) {
                throw new ConfigException("teacher adaptor.logits", teacher.logits(), "KD pairs logits one to one: the student names "
                        + student.logits().size() + " logits output(s), the teacher " + teacher.logits().size());
            }
        }
        if (config.hardLabelWeight() > 0 && student.losses().isEmpty()) {
            throw new ConfigException("distillation.hard_label_weight", config.hardLabelWeight(),
                    "needs hard-label losses, but the student adaptor names none (adaptor.losses); set it to 0 or add losses");
        }
        if (config.probabilityShift() && student.labels() == null) {
            throw new ConfigException("distillation.probability_shift", true,
                    "needs the gold labels: name them in the student adaptor (labels), fed from a batch field");
        }
        if (config.probabilityShift() && !student.inputs().containsKey(student.labels())) {
            throw new ConfigException("student adaptor.labels", student.labels(),
                    "probability_shift reads labels from the batch, so labels must be a placeholder listed in adaptor.inputs");
        }

        List<ResolvedMatch> matches = new ArrayList<>();
        if (mode == Mode.KD && !config.intermediateMatches().isEmpty()) {
            throw new ConfigException("distillation.intermediate_matches", config.intermediateMatches().size() + " match(es)",
                    "BasicDistiller takes no intermediate matches; use GeneralDistiller");
        }
        for (int i = 0; i < config.intermediateMatches().size(); i++) {
            matches.add(resolveMatch(i, config.intermediateMatches().get(i), registries, teacher, student));
        }
        if (config.kdLossWeight() == 0 && config.hardLabelWeight() == 0
                && matches.stream().allMatch(m -> m.match().weight() == 0)) {
            throw new ConfigException("distillation", "all weights 0", "at least one of kd_loss_weight, hard_label_weight "
                    + "or an intermediate match weight must be > 0, or nothing is trained");
        }
        return new DistillationPlan(mode, config, kd, tau, kdWeight, hardWeight, List.copyOf(matches), optimizer, lr);
    }

    private static WeightSchedule weightSchedule(Registries registries, String field, org.distill4j.core.config.NamedSpec spec) {
        WeightSchedule.validate(field, spec);
        return registries.weightSchedules().get(field, spec.name());
    }

    private static ResolvedMatch resolveMatch(int i, IntermediateMatch m, Registries registries, ModelAdaptor teacher,
                                              ModelAdaptor student) {
        String field = "distillation.intermediate_matches[" + i + "]";
        MatchLoss loss = registries.matchLosses().get(field + ".loss", m.loss());
        if (loss.pair() != m.layerT().isPair()) {
            throw new ConfigException(field + ".layer_T", m.layerT(), loss.pair()
                    ? "'" + m.loss() + "' compares two layers: give pairs, e.g. layer_T: [2, 3], layer_S: [1, 2]"
                    : "'" + m.loss() + "' compares single layers: give one index each");
        }
        List<String> features = loss.features().isEmpty() ? List.of(m.feature()) : loss.features();
        for (String feature : features) {
            checkIndices(field, "layer_T", m.layerT().indices(), teacher, feature, "teacher");
            checkIndices(field, "layer_S", m.layerS().indices(), student, feature, "student");
        }
        if (loss.usesRelationHeads() && m.relationHeads() == null) {
            throw new ConfigException(field + ".relation_heads", null, "'" + m.loss()
                    + "' needs relation_heads (an integer >= 1 that divides both models' widths)");
        }
        if (!loss.usesRelationHeads() && m.relationHeads() != null) {
            throw new ConfigException(field + ".relation_heads", m.relationHeads(), "only the MiniLM losses take relation_heads");
        }
        Projection projection = null;
        if (m.proj() != null) {
            projection = registries.projections().get(field + ".proj[0]", m.proj().kind());
            if (loss.inputRank() != 3) {
                throw new ConfigException(field + ".proj", m.proj().toJson(), "projections map hidden features [B, L, D]; '"
                        + m.loss() + "' compares attention maps: remove proj");
            }
        }
        return new ResolvedMatch(i, m, loss, features, projection);
    }

    private static void checkIndices(String field, String key, List<Integer> indices, ModelAdaptor adaptor, String feature,
                                     String role) {
        List<String> list = adaptor.feature(feature);
        if (list.isEmpty()) {
            throw new ConfigException(field + ".feature", feature, "the " + role + " adaptor exposes no '" + feature
                    + "' features; it exposes: " + adaptor.features().keySet());
        }
        for (int index : indices) {
            if (index >= list.size()) {
                throw new ConfigException(field + "." + key, index, "the " + role + " adaptor exposes " + list.size()
                        + " '" + feature + "' entries: allowed 0.." + (list.size() - 1));
            }
        }
    }
}
