package org.distill4j.core.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.distill4j.core.config.ConfigException;
import org.distill4j.core.config.DistillationConfig;
import org.distill4j.core.config.ProjectionSpec;
import org.distill4j.core.graph.ModelAdaptor;
import org.distill4j.core.graph.ModelGraph;
import org.distill4j.core.loss.MatchInputs;
import org.distill4j.core.projection.ProjectionLayer;
import org.distill4j.core.schedule.WeightSchedule;
import org.distill4j.core.train.DistillationPlan.ResolvedMatch;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Wires the losses into the student's graph: teacher outputs arrive as placeholders, projections are new
 * trainable variables, and every loss term is a SameDiff op, so one backward pass gives the gradients of
 * student and projections together. Term weights are scalar placeholders, so weight schedules change them per
 * step without rebuilding the graph. Shape checks against the first batch happen here, before any update.
 */
final class LossWiring {

    /** Prefix of the placeholders that carry teacher outputs. */
    static final String TEACHER_PREFIX = "distill/teacher/";

    /**
     * One loss term.
     *
     * @param name              name in logs and metrics
     * @param value             the scalar term
     * @param weightPlaceholder scalar placeholder holding its weight at the current step
     * @param baseWeight        configured weight
     * @param schedule          weight multiplier over the run
     */
    record Term(String name, SDVariable value, String weightPlaceholder, double baseWeight, WeightSchedule schedule) {
        double weightAt(double progress) {
            return baseWeight * schedule.multiplier(progress);
        }
    }

    /**
     * The wired graph.
     *
     * @param terms         loss terms
     * @param total         the weighted sum that is minimised
     * @param teacherFeeds  teacher variable -> student-graph placeholder it feeds
     * @param groups        parameter groups (student first, then one per projection)
     */
    record Result(List<Term> terms, SDVariable total, Map<String, String> teacherFeeds, List<ParamGroup> groups) {
    }

    private final DistillationPlan plan;
    private final SameDiff sd;
    private final ModelAdaptor student;
    private final ModelAdaptor teacher;
    private final Map<String, long[]> studentShapes;
    private final Map<String, long[]> teacherShapes;
    private final DataType dtype;
    private final Map<String, String> teacherFeeds = new LinkedHashMap<>();
    private final List<Term> terms = new ArrayList<>();

    private LossWiring(DistillationPlan plan, ModelGraph student, ModelAdaptor teacher, Map<String, long[]> studentShapes,
                       Map<String, long[]> teacherShapes, DataType dtype) {
        this.plan = plan;
        this.sd = student.sd();
        this.student = student.adaptor();
        this.teacher = teacher;
        this.studentShapes = studentShapes;
        this.teacherShapes = teacherShapes;
        this.dtype = dtype;
    }

    /** Teacher variables the plan reads. */
    static List<String> teacherOutputsNeeded(DistillationPlan plan, ModelAdaptor teacher) {
        List<String> names = new ArrayList<>();
        if (plan.mode() != Mode.SUPERVISED && plan.config().kdLossWeight() > 0) {
            names.addAll(teacher.logits());
        }
        for (ResolvedMatch m : plan.matches()) {
            for (String feature : m.features()) {
                for (int i : m.match().layerT().indices()) {
                    names.add(teacher.feature(feature).get(i));
                }
            }
        }
        return names.stream().distinct().toList();
    }

    /** Student variables the plan reads (for the first-batch shape check). */
    static List<String> studentOutputsNeeded(DistillationPlan plan, ModelAdaptor student) {
        List<String> names = new ArrayList<>();
        if (plan.mode() != Mode.SUPERVISED && plan.config().kdLossWeight() > 0) {
            names.addAll(student.logits());
            if (student.logitsMask() != null) {
                names.add(student.logitsMask());
            }
        }
        for (ResolvedMatch m : plan.matches()) {
            for (String feature : m.features()) {
                for (int i : m.match().layerS().indices()) {
                    names.add(student.feature(feature).get(i));
                }
            }
        }
        if (!plan.matches().isEmpty() && student.inputsMask() != null) {
            names.add(student.inputsMask());
        }
        return names.stream().distinct().toList();
    }

    /**
     * Checks shapes and wires the losses.
     *
     * @param studentShapes shapes of {@link #studentOutputsNeeded} on the first batch
     * @param teacherShapes shapes of {@link #teacherOutputsNeeded} on the first batch
     * @param seed          seed for projection initialisation
     */
    static Result wire(DistillationPlan plan, ModelGraph student, ModelAdaptor teacher, Map<String, long[]> studentShapes,
                       Map<String, long[]> teacherShapes, DataType dtype, long seed, double baseLearningRate) {
        LossWiring w = new LossWiring(plan, student, teacher, studentShapes, teacherShapes, dtype);
        List<ParamGroup> groups = new ArrayList<>();
        groups.add(new ParamGroup("student", student.parameterNames(), baseLearningRate));
        if (plan.mode() == Mode.SUPERVISED) {
            w.addHardLabelTerms(1.0, WeightSchedule.NONE);
        } else {
            DistillationConfig c = plan.config();
            if (c.kdLossWeight() > 0) {
                w.addKdTerms();
            }
            if (c.hardLabelWeight() > 0) {
                w.addHardLabelTerms(c.hardLabelWeight(), plan.hardLabelWeightSchedule());
            }
            Random rng = new Random(seed ^ 0x5DEECE66DL);
            for (ResolvedMatch m : plan.matches()) {
                ParamGroup g = w.addMatchTerm(m, rng, baseLearningRate);
                if (g != null) {
                    groups.add(g);
                }
            }
        }
        return new Result(List.copyOf(w.terms), w.weightedTotal(), Map.copyOf(w.teacherFeeds), List.copyOf(groups));
    }

    /** sum_i weight_i * term_i, registered as the graph's only loss variable. */
    private SDVariable weightedTotal() {
        SDVariable total = null;
        for (Term t : terms) {
            SDVariable weighted = t.value().mul(sd.getVariable(t.weightPlaceholder()));
            total = total == null ? weighted : total.add(weighted);
        }
        total = sd.identity("distill/loss/total", total);
        sd.setLossVariables(total);
        return total;
    }

    private void addTerm(String name, SDVariable value, double baseWeight, WeightSchedule schedule) {
        String placeholder = "distill/weight/" + terms.size();
        sd.placeHolder(placeholder, dtype);
        terms.add(new Term(name, sd.identity("distill/loss/" + terms.size(), value), placeholder, baseWeight, schedule));
    }

    private void addHardLabelTerms(double weight, WeightSchedule schedule) {
        for (String loss : student.losses()) {
            addTerm("hard_label:" + loss, sd.getVariable(loss).castTo(dtype), weight, schedule);
        }
    }

    private void addKdTerms() {
        DistillationConfig c = plan.config();
        for (int i = 0; i < student.logits().size(); i++) {
            String sName = student.logits().get(i);
            String tName = teacher.logits().get(i);
            long[] sShape = studentShapes.get(sName);
            long[] tShape = teacherShapes.get(tName);
            if (!Arrays.equals(sShape, tShape)) {
                throw new ConfigException("teacher adaptor.logits[" + i + "]", tName + " " + Arrays.toString(tShape),
                        "must have the shape of the student's " + sName + " " + Arrays.toString(sShape)
                                + " (same label space and, for token-level logits, same sequence length)");
            }
            if (sShape.length != 2 && sShape.length != 3) {
                throw new ConfigException("student adaptor.logits[" + i + "]", Arrays.toString(sShape),
                        "logits must be [B, C] or token-level [B, L, C]");
            }
            SDVariable s = sd.getVariable(sName).castTo(dtype);
            SDVariable t = teacherInput(tName, tShape);
            SDVariable base = sd.constant(Nd4j.scalar(dtype, c.temperature()));
            SDVariable tau = plan.temperatureSchedule().body().build(sd, base, s, t, c.temperatureScheduler().args());
            if (plan.temperatureSchedule().perRow()) {
                tau = sd.expandDims(tau, -1);
            }
            SDVariable mask = sShape.length == 3 && student.logitsMask() != null
                    ? sd.getVariable(student.logitsMask()).castTo(dtype) : null;
            SDVariable value = plan.kdLoss().build(sd, s, t, tau, mask);
            addTerm(student.logits().size() == 1 ? "kd" : "kd:" + sName, value, c.kdLossWeight(), plan.kdWeightSchedule());
        }
    }

    private SDVariable teacherInput(String teacherVar, long[] shape) {
        String placeholder = TEACHER_PREFIX + teacherVar;
        if (!sd.hasVariable(placeholder)) {
            long[] dynamic = new long[shape.length];
            Arrays.fill(dynamic, -1);
            dynamic[shape.length - 1] = shape[shape.length - 1];
            sd.placeHolder(placeholder, dtype, dynamic);
            teacherFeeds.put(teacherVar, placeholder);
        }
        return sd.getVariable(placeholder);
    }

    private ParamGroup addMatchTerm(ResolvedMatch m, Random rng, double baseLearningRate) {
        String field = m.field();
        List<SDVariable> s = new ArrayList<>();
        List<SDVariable> t = new ArrayList<>();
        long widthS = -1;
        long widthT = -1;
        List<String[]> pairs = new ArrayList<>();
        for (String feature : m.features()) {
            List<Integer> li = m.match().layerS().indices();
            List<Integer> lt = m.match().layerT().indices();
            for (int k = 0; k < li.size(); k++) {
                pairs.add(new String[]{student.feature(feature).get(li.get(k)), teacher.feature(feature).get(lt.get(k))});
            }
        }
        for (String[] pair : pairs) {
            long[] ss = studentShapes.get(pair[0]);
            long[] ts = teacherShapes.get(pair[1]);
            checkCompatible(m, field, pair[0], ss, pair[1], ts);
            int widthAxis = m.loss().inputRank() == 4 ? 1 : ss.length - 1; // heads for attention maps
            widthS = ss[widthAxis];
            widthT = ts[widthAxis];
            s.add(sd.getVariable(pair[0]).castTo(dtype));
            t.add(teacherInput(pair[1], ts));
        }
        ParamGroup group = null;
        ProjectionSpec proj = m.match().proj();
        if (proj != null) {
            if (proj.studentWidth() != widthS || proj.teacherWidth() != widthT) {
                throw new ConfigException(field + ".proj", proj.toJson(), "the student feature is " + widthS
                        + " wide and the teacher's " + widthT + ": write [\"" + proj.kind() + "\", " + widthS + ", " + widthT + "]");
            }
            ProjectionLayer layer = ProjectionLayer.create(sd, "distill/proj" + m.index(), m.projection(),
                    (int) widthS, (int) widthT, dtype, rng);
            s.replaceAll(x -> layer.apply(sd, x, 3));
            group = new ParamGroup("proj" + m.index(), layer.parameterNames(),
                    proj.learningRate() != null ? proj.learningRate() : baseLearningRate);
            widthS = widthT;
        } else if (!m.loss().widthsMayDiffer() && widthS != widthT) {
            throw new ConfigException(field + ".proj", null, m.loss().inputRank() == 4
                    ? "'" + m.match().loss() + "' compares attention head by head, but the student has " + widthS
                      + " heads and the teacher " + widthT + "; use attention_mse_sum or attention_ce_mean"
                    : "the student feature is " + widthS + " wide and the teacher's " + widthT
                      + ": add \"proj\": [\"linear\", " + widthS + ", " + widthT + "]");
        }
        Integer heads = m.match().relationHeads();
        if (heads != null && (widthS % heads != 0 || widthT % heads != 0)) {
            throw new ConfigException(field + ".relation_heads", heads, "must divide both widths (student " + widthS
                    + ", teacher " + widthT + ")");
        }
        SDVariable mask = student.inputsMask() == null ? null : sd.getVariable(student.inputsMask()).castTo(dtype);
        SDVariable value = m.loss().build(sd, new MatchInputs(s, t, mask, widthS, widthT, heads));
        addTerm(m.termName(), value, m.match().weight(), WeightSchedule.NONE);
        return group;
    }

    private static void checkCompatible(ResolvedMatch m, String field, String sName, long[] ss, String tName, long[] ts) {
        int rank = m.loss().inputRank();
        String shape = rank == 4 ? "[B, H, L, L]" : "[B, L, D]";
        if (ss.length != rank) {
            throw new ConfigException(field + ".layer_S", m.match().layerS(), "'" + m.match().loss() + "' needs " + shape
                    + " but student " + sName + " is " + Arrays.toString(ss));
        }
        if (ts.length != rank) {
            throw new ConfigException(field + ".layer_T", m.match().layerT(), "'" + m.match().loss() + "' needs " + shape
                    + " but teacher " + tName + " is " + Arrays.toString(ts));
        }
        for (int d = 0; d < rank - 1; d++) {
            if (rank == 4 && d == 1) {
                continue; // head counts are checked with the widths
            }
            if (ss[d] != ts[d]) {
                throw new ConfigException(field, "student " + sName + " " + Arrays.toString(ss) + " vs teacher " + tName
                        + " " + Arrays.toString(ts), "batch and sequence axes must agree (same examples, same tokenization length)");
            }
        }
        if (rank == 4 && ss[3] != ts[3]) {
            throw new ConfigException(field, "student " + Arrays.toString(ss) + " vs teacher " + Arrays.toString(ts),
                    "attention maps must have the same length");
        }
    }

    /** The weight of every term at a progress x, for feeding the weight placeholders. */
    static Map<String, INDArray> weightFeeds(List<Term> terms, double progress, DataType dtype) {
        Map<String, INDArray> feeds = new LinkedHashMap<>();
        for (Term t : terms) {
            feeds.put(t.weightPlaceholder(), Nd4j.scalar(dtype, t.weightAt(progress)));
        }
        return feeds;
    }
}
