package org.distill4j.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The versions this build was made with, for run provenance and {@code --version}: Distill4j's own and the ND4J /
 * SameDiff release it was compiled against. Maven writes them into {@code versions.properties} at build time, so they
 * are right whether the classes run from a jar or from {@code target/classes}.
 */
public final class Versions {

    private static final Properties VALUES = load();

    private Versions() {
    }

    /** Distill4j's version, e.g. 0.1.0-SNAPSHOT. */
    public static String distill4j() {
        return VALUES.getProperty("distill4j");
    }

    /** The ND4J / SameDiff version Distill4j was built against, e.g. 1.0.0-M2.1. */
    public static String nd4j() {
        return VALUES.getProperty("nd4j");
    }

    private static Properties load() {
        Properties p = new Properties();
        try (InputStream in = Versions.class.getResourceAsStream("versions.properties")) {
            if (in == null) {
                throw new IllegalStateException("versions.properties is missing from distill-core's classes: "
                        + "build with Maven (mvn install), which writes it");
            }
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }
}
