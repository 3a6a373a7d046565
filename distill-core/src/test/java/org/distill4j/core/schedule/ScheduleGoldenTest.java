package org.distill4j.core.schedule;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.distill4j.core.config.ConfigException;
import org.distill4j.core.config.NamedSpec;
import org.distill4j.core.config.ScheduleConfig;
import org.distill4j.core.loss.KdLosses;
import org.distill4j.core.support.GoldenCases;
import org.distill4j.core.support.GoldenCases.Case;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Temperature, weight and learning-rate schedules against the PyTorch reference. */
@org.junit.jupiter.api.extension.ExtendWith(org.distill4j.core.support.DoublePrecision.class)
class ScheduleGoldenTest {


    static Stream<Case> temperatureCases() {
        return GoldenCases.family("temperature").stream();
    }

    static Stream<Case> weightCases() {
        return GoldenCases.family("weight_schedule").stream();
    }

    static Stream<Case> lrCases() {
        return GoldenCases.family("lr_schedule").stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("temperatureCases")
    void temperatureMatchesReference(Case c) {
        TemperatureSchedule schedule = TemperatureSchedule.registry().get("temperature_scheduler", c.name());
        SameDiff sd = SameDiff.create();
        SDVariable s = sd.var("S", c.inputs().get("S").dup());
        SDVariable t = sd.constant("T", c.inputs().get("T").dup());
        SDVariable base = sd.constant(Nd4j.scalar(c.param("base")));
        List<Double> args = schedule.argNames().stream().map(c::param).toList();
        INDArray tau = schedule.body().build(sd, base, s, t, args).eval();
        INDArray expected = c.expected().get("tau");
        if (schedule.perRow()) {
            assertArrayEquals(expected.dup().reshape(-1).toDoubleVector(), tau.dup().reshape(-1).toDoubleVector(), 1e-9, c.id());
        } else {
            for (double e : expected.dup().reshape(-1).toDoubleVector()) {
                assertEquals(e, tau.getDouble(0), 1e-12, c.id());
            }
        }
    }

    /** TextBrewer computes the temperature under no_grad: the KD gradient must treat it as a constant. */
    @Test
    void scheduledTemperatureCarriesNoGradient() {
        Case c = GoldenCases.family("temperature").stream().filter(x -> x.name().equals("flsw")).findFirst().orElseThrow();
        SameDiff scheduled = SameDiff.create();
        SDVariable s1 = scheduled.var("S", c.inputs().get("S").dup());
        SDVariable t1 = scheduled.constant("T", c.inputs().get("T").dup());
        SDVariable tau1 = TemperatureSchedule.FLSW.body().build(scheduled, scheduled.constant(Nd4j.scalar(c.param("base"))),
                s1, t1, List.of(c.param("beta"), c.param("gamma")));
        SDVariable loss1 = KdLosses.CE.build(scheduled, s1, t1, scheduled.expandDims(tau1, 1), null);
        scheduled.setLossVariables(loss1);
        INDArray withSchedule = scheduled.calculateGradients(Map.of(), "S").get("S");

        SameDiff fixed = SameDiff.create();
        SDVariable s2 = fixed.var("S", c.inputs().get("S").dup());
        SDVariable t2 = fixed.constant("T", c.inputs().get("T").dup());
        SDVariable tau2 = fixed.constant(c.expected().get("tau").reshape(-1, 1));
        SDVariable loss2 = KdLosses.CE.build(fixed, s2, t2, tau2, null);
        fixed.setLossVariables(loss2);
        INDArray withConstant = fixed.calculateGradients(Map.of(), "S").get("S");
        assertArrayEquals(withConstant.dup().reshape(-1).toDoubleVector(), withSchedule.dup().reshape(-1).toDoubleVector(), 1e-9);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("weightCases")
    void weightScheduleMatchesReference(Case c) {
        WeightSchedule schedule = WeightSchedule.registry().get("kd_loss_weight_scheduler", c.name());
        double total = c.param("total_steps");
        double[] expected = c.expected().get("weight").dup().reshape(-1).toDoubleVector();
        for (int step = 0; step < expected.length; step++) {
            assertEquals(expected[step], schedule.multiplier(step / total), 1e-12, c.id() + " step " + step);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("lrCases")
    void learningRateScheduleMatchesReference(Case c) {
        LearningRateSchedule schedule = LearningRateSchedule.registry().get("lr_schedule.name", c.name());
        Map<String, Double> params = new TreeMap<>();
        for (String key : schedule.defaults().keySet()) {
            params.put(key, c.param(key));
        }
        long total = (long) c.param("total_steps");
        LearningRateSchedule.Bound bound = schedule.bind("lr_schedule", ScheduleConfig.of(c.name(), params), total);
        double[] expected = c.expected().get("lr").dup().reshape(-1).toDoubleVector();
        for (int t = 0; t < expected.length; t++) {
            assertEquals(expected[t], c.param("base_lr") * bound.factor(t), 1e-15, c.id() + " update " + t);
        }
    }

    @Test
    void unknownScheduleParameterIsNamed() {
        ConfigException e = assertThrows(ConfigException.class, () -> LearningRateSchedule.LINEAR_WARMUP_DECAY
                .bind("training.lr_schedule", ScheduleConfig.of("linear_warmup_decay", Map.of("warmup", 0.1)), 10));
        assertEquals("training.lr_schedule.params.warmup", e.field());
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("warmup_fraction"), e.getMessage());
    }

    @Test
    void temperatureArgumentCountIsChecked() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> TemperatureSchedule.FLSW.validate("temperature_scheduler", NamedSpec.of("flsw", 1.0)));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("[beta, gamma]"), e.getMessage());
    }
}
