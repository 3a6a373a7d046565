package org.distill4j.examples.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * PNG plots of a run from its metrics file (the JSON lines MetricsFileListener writes): every unweighted loss term
 * and the total over updates ({@code losses.png}), and each evaluation metric at the checkpoints
 * ({@code evaluation.png}). Also a bar chart comparing models ({@link #comparison}).
 */
public final class RunPlots {

    static {
        System.setProperty("java.awt.headless", "true"); // servers and CI have no display
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int WIDTH = 900;
    private static final int HEIGHT = 500;

    private RunPlots() {
    }

    /**
     * Writes losses.png and (when the run evaluated) evaluation.png into {@code folder}.
     *
     * @return the files written
     */
    public static List<Path> write(Path metricsFile, Path folder) throws IOException {
        Map<String, XYSeries> losses = new LinkedHashMap<>();
        Map<String, XYSeries> metrics = new LinkedHashMap<>();
        XYSeries total = new XYSeries("total (weighted)");
        for (String line : Files.readAllLines(metricsFile, StandardCharsets.UTF_8)) {
            JsonNode e = JSON.readTree(line);
            long step = e.path("step").asLong();
            switch (e.path("event").asText()) {
                case "step" -> {
                    total.add(step, e.path("loss").asDouble());
                    addAll(losses, e.path("unweighted"), step);
                }
                case "evaluation" -> addAll(metrics, e.path("metrics"), step);
                default -> {
                }
            }
        }
        Files.createDirectories(folder);
        List<Path> written = new java.util.ArrayList<>();
        XYSeriesCollection lossData = new XYSeriesCollection(total);
        losses.values().forEach(lossData::addSeries);
        written.add(save(ChartFactory.createXYLineChart("Loss terms (unweighted) and total", "update", "loss", lossData,
                PlotOrientation.VERTICAL, true, false, false), folder.resolve("losses.png")));
        if (!metrics.isEmpty()) {
            XYSeriesCollection evalData = new XYSeriesCollection();
            metrics.values().forEach(evalData::addSeries);
            JFreeChart chart = ChartFactory.createXYLineChart("Evaluation at checkpoints", "update", "value", evalData,
                    PlotOrientation.VERTICAL, true, false, false);
            ((org.jfree.chart.renderer.xy.XYLineAndShapeRenderer) chart.getXYPlot().getRenderer()).setDefaultShapesVisible(true);
            written.add(save(chart, folder.resolve("evaluation.png")));
        }
        return written;
    }

    /**
     * A grouped bar chart: one group per model (e.g. teacher, student with KD, student without KD), one bar per
     * measure (e.g. accuracy, F1).
     */
    public static Path comparison(String title, Map<String, Map<String, Double>> valuesByModel, Path file) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        valuesByModel.forEach((model, values) -> values.forEach((measure, v) -> data.addValue(v, measure, model)));
        Files.createDirectories(file.toAbsolutePath().getParent());
        return save(ChartFactory.createBarChart(title, "model", "value", data, PlotOrientation.VERTICAL, true, false, false), file);
    }

    private static void addAll(Map<String, XYSeries> series, JsonNode values, long step) {
        for (Iterator<Map.Entry<String, JsonNode>> it = values.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (f.getValue().isNumber()) {
                series.computeIfAbsent(f.getKey(), XYSeries::new).add(step, f.getValue().asDouble());
            }
        }
    }

    private static Path save(JFreeChart chart, Path file) throws IOException {
        ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
        return file;
    }
}
