package org.distill4j.core.registry;

import org.distill4j.core.loss.KdLoss;
import org.distill4j.core.loss.KdLosses;
import org.distill4j.core.loss.MatchLoss;
import org.distill4j.core.loss.MatchLosses;
import org.distill4j.core.optim.Optimizer;
import org.distill4j.core.projection.Projection;
import org.distill4j.core.schedule.LearningRateSchedule;
import org.distill4j.core.schedule.TemperatureSchedule;
import org.distill4j.core.schedule.WeightSchedule;

/**
 * The registries a distiller resolves configuration names against. {@link #defaults()} returns a fresh set
 * holding the built-ins; register your own entries on it and pass it to the distiller's builder.
 *
 * @param kdLosses             KD losses (kd_loss_type)
 * @param matchLosses          intermediate match losses (intermediate_matches[].loss)
 * @param projections          projection activations (intermediate_matches[].proj[0])
 * @param temperatureSchedules temperature schedulers (temperature_scheduler)
 * @param weightSchedules      loss-weight schedulers (*_weight_scheduler)
 * @param lrSchedules          learning-rate schedules (training.lr_schedule.name)
 * @param optimizers           optimizers (training.optimizer.name)
 */
public record Registries(Registry<KdLoss> kdLosses, Registry<MatchLoss> matchLosses, Registry<Projection> projections,
                         Registry<TemperatureSchedule> temperatureSchedules, Registry<WeightSchedule> weightSchedules,
                         Registry<LearningRateSchedule> lrSchedules, Registry<Optimizer.Factory> optimizers) {

    /** A fresh set of registries holding the built-in entries. */
    public static Registries defaults() {
        return new Registries(KdLosses.registry(), MatchLosses.registry(), Projection.registry(),
                TemperatureSchedule.registry(), WeightSchedule.registry(), LearningRateSchedule.registry(),
                Optimizer.registry());
    }
}
