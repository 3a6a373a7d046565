package org.distill4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/** The build-time versions match the parent pom and the ND4J jar actually on the class path. */
class VersionsTest {

    @Test
    void distill4jVersionIsTheParentPomVersion() throws Exception {
        String pom = Files.readString(Path.of("..", "pom.xml")); // surefire runs in the module folder
        Matcher m = Pattern.compile("<artifactId>distill4j-parent</artifactId>\\s*<version>([^<]+)</version>").matcher(pom);
        assertTrue(m.find(), "parent pom version not found");
        assertEquals(m.group(1), Versions.distill4j());
    }

    @Test
    void nd4jVersionIsTheJarOnTheClassPath() {
        String jar = Nd4j.class.getProtectionDomain().getCodeSource().getLocation().toString();
        assertTrue(jar.contains("/" + Versions.nd4j() + "/"), Versions.nd4j() + " vs " + jar);
    }
}
