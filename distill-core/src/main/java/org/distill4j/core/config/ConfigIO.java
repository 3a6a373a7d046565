package org.distill4j.core.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;

/**
 * Reads and writes configuration values as JSON or YAML (chosen by file extension: .json, .yaml, .yml).
 * Unknown keys, wrong types and invalid values are rejected with a {@link ConfigException} that names the file,
 * line, field path and what is allowed. Writing then reading gives an equal value, and reading then writing gives
 * the same text for files we wrote.
 */
public final class ConfigIO {

    private static final ObjectMapper JSON = configure(new ObjectMapper());
    private static final ObjectMapper YAML = configure(new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)));

    private ConfigIO() {
    }

    private static ObjectMapper configure(ObjectMapper mapper) {
        return mapper
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .enable(SerializationFeature.INDENT_OUTPUT)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
    }

    /** The mapper for a file name: YAML for .yaml/.yml, JSON for .json. */
    static ObjectMapper mapperFor(String fileName) {
        String lower = fileName.toLowerCase(java.util.Locale.ROOT);
        if (lower.endsWith(".yaml") || lower.endsWith(".yml")) {
            return YAML;
        }
        if (lower.endsWith(".json")) {
            return JSON;
        }
        throw new ConfigException("file", fileName, "allowed extensions: .json, .yaml, .yml");
    }

    /** Reads a configuration value of the given type from a JSON or YAML file. */
    public static <T> T read(Path file, Class<T> type) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw ConfigException.because(file.toString(), "cannot be read (" + e.getMessage() + ")", e);
        }
        return parse(text, file.getFileName().toString(), file.toString(), type);
    }

    /** Parses JSON text. {@code source} names the text in error messages. */
    public static <T> T fromJson(String text, String source, Class<T> type) {
        return parse(text, "x.json", source, type);
    }

    /** Parses YAML text. {@code source} names the text in error messages. */
    public static <T> T fromYaml(String text, String source, Class<T> type) {
        return parse(text, "x.yaml", source, type);
    }

    private static <T> T parse(String text, String fileName, String source, Class<T> type) {
        try {
            T value = mapperFor(fileName).readValue(text, type);
            if (value == null) {
                throw ConfigException.because(source, "is empty", null);
            }
            return value;
        } catch (JsonProcessingException e) {
            throw translate(e, source);
        }
    }

    /** Writes a configuration value as text of the file's format, atomically (temporary file, then rename). */
    public static void write(Path file, Object value) {
        String text = toText(value, file.getFileName().toString());
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path tmp = Files.createTempFile(parent, file.getFileName().toString(), ".tmp");
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** JSON text of a configuration value. */
    public static String toJson(Object value) {
        return toText(value, "x.json");
    }

    /** YAML text of a configuration value. */
    public static String toYaml(Object value) {
        return toText(value, "x.yaml");
    }

    private static String toText(Object value, String fileName) {
        try {
            return mapperFor(fileName).writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("configuration value cannot be written: " + e.getOriginalMessage(), e);
        }
    }

    /** Turns Jackson's exception into one that names the file, line, field path and what is allowed. */
    private static ConfigException translate(JsonProcessingException e, String source) {
        String where = source + location(e.getLocation());
        String path = e instanceof JsonMappingException m ? path(m) : "";
        Throwable root = e;
        while (root.getCause() != null && root != root.getCause()) {
            root = root.getCause();
            if (root instanceof ConfigException ce) {
                String field = path.isEmpty() ? ce.field() : path + "." + ce.field();
                if (ce.field().startsWith("proj") || ce.field().startsWith("layer") || ce.field().startsWith("scheduler")) {
                    field = path.isEmpty() ? ce.field() : path; // the path already ends at the value
                }
                String msg = ce.getMessage().substring(ce.getMessage().indexOf(": ") + 2);
                return ConfigException.because(where + ": " + field, msg, ce);
            }
        }
        if (e instanceof UnrecognizedPropertyException u) {
            String known = u.getKnownPropertyIds() == null ? "" : u.getKnownPropertyIds().stream()
                    .map(String::valueOf).sorted().collect(Collectors.joining(", "));
            return ConfigException.because(where + ": " + path, "unknown key '" + u.getPropertyName()
                    + "'; allowed keys here: " + known, e);
        }
        return ConfigException.because(where + (path.isEmpty() ? "" : ": " + path), e.getOriginalMessage(), e);
    }

    private static String location(JsonLocation loc) {
        return loc == null || loc.getLineNr() < 0 ? "" : " line " + loc.getLineNr() + ", column " + loc.getColumnNr();
    }

    private static String path(JsonMappingException m) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : m.getPath()) {
            if (r.getFieldName() != null) {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }
}
