package org.distill4j.core.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
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
import java.util.ArrayList;
import java.util.List;
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

    /**
     * Reads a configuration file with command-line overrides applied first, each {@code key.path=value}: a dotted
     * path of keys, with {@code [i]} for list elements (e.g. {@code training.batch_size=32},
     * {@code distillation.intermediate_matches[0].weight=0.5}); the value is read as YAML, so numbers, booleans,
     * lists ({@code [1, 2]}) and maps ({@code {a: 1}}) keep their types. Missing maps on the path are created.
     * The result is validated like the file alone; errors name the override when it is the cause.
     *
     * @throws ConfigException if the file or an override is malformed, or the result is invalid
     */
    public static <T> T read(Path file, Class<T> type, List<String> overrides) {
        if (overrides.isEmpty()) {
            return read(file, type);
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw ConfigException.because(file.toString(), "cannot be read (" + e.getMessage() + ")", e);
        }
        String name = file.getFileName().toString();
        ObjectMapper mapper = mapperFor(name);
        com.fasterxml.jackson.databind.JsonNode tree;
        try {
            tree = mapper.readTree(text);
        } catch (JsonProcessingException e) {
            throw translate(e, file.toString(), text, name);
        }
        if (tree == null || !tree.isObject()) {
            throw ConfigException.because(file.toString(), "must hold a map of settings at the top", null);
        }
        for (String override : overrides) {
            apply((com.fasterxml.jackson.databind.node.ObjectNode) tree, override);
        }
        String merged;
        try {
            merged = JSON.writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return parse(merged, "merged.json", file + " with --set " + String.join(" ", overrides), type);
    }

    /** Sets one {@code key.path=value} in a parsed configuration tree. */
    private static void apply(com.fasterxml.jackson.databind.node.ObjectNode root, String override) {
        int eq = override.indexOf('=');
        if (eq <= 0) {
            throw new ConfigException("--set", override, "write key.path=value, e.g. training.batch_size=32");
        }
        String path = override.substring(0, eq).trim();
        com.fasterxml.jackson.databind.JsonNode value;
        try {
            value = YAML.readTree(override.substring(eq + 1));
        } catch (JsonProcessingException e) {
            throw new ConfigException("--set " + path, override.substring(eq + 1), "the value must be YAML: a number, "
                    + "true/false, text, [list] or {map} (" + e.getOriginalMessage() + ")");
        }
        if (value == null || value.isMissingNode()) {
            value = com.fasterxml.jackson.databind.node.NullNode.getInstance();
        }
        String[] keys = path.split("\\.");
        com.fasterxml.jackson.databind.JsonNode node = root;
        for (int i = 0; i < keys.length; i++) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("([A-Za-z0-9_]+)((?:\\[\\d+])*)").matcher(keys[i]);
            if (!m.matches()) {
                throw new ConfigException("--set", path, "keys are letters, digits and _, list elements [i], "
                        + "separated by dots (e.g. distillation.intermediate_matches[0].weight)");
            }
            String key = m.group(1);
            List<Integer> indices = new ArrayList<>();
            java.util.regex.Matcher idx = java.util.regex.Pattern.compile("\\[(\\d+)]").matcher(m.group(2));
            while (idx.find()) {
                indices.add(Integer.parseInt(idx.group(1)));
            }
            boolean last = i == keys.length - 1;
            if (!(node instanceof com.fasterxml.jackson.databind.node.ObjectNode object)) {
                throw new ConfigException("--set " + path, override, "'" + String.join(".", java.util.Arrays.copyOf(keys, i))
                        + "' is not a map of settings");
            }
            if (indices.isEmpty()) {
                if (last) {
                    object.set(key, value);
                    return;
                }
                node = object.has(key) ? object.get(key) : object.putObject(key);
                continue;
            }
            com.fasterxml.jackson.databind.JsonNode list = object.get(key);
            for (int j = 0; j < indices.size(); j++) {
                int at = indices.get(j);
                if (!(list instanceof com.fasterxml.jackson.databind.node.ArrayNode array) || at >= array.size()) {
                    throw new ConfigException("--set " + path, override, "'" + key + "' has no element " + at
                            + " (lists are 0-based; only existing elements can be set)");
                }
                if (last && j == indices.size() - 1) {
                    array.set(at, value);
                    return;
                }
                list = array.get(at);
            }
            node = list;
        }
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
        if (text.isBlank()) { // Jackson would say "No content to map due to end-of-input"
            throw ConfigException.because(source, "the file is empty; it needs at least the required keys (see the "
                    + "README's examples of run and experiment files)", null);
        }
        try {
            T value = mapperFor(fileName).readValue(text, type);
            if (value == null) {
                throw ConfigException.because(source, "is empty", null);
            }
            return value;
        } catch (JsonProcessingException e) {
            throw translate(e, source, text, fileName);
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
    private static ConfigException translate(JsonProcessingException e, String source, String text, String fileName) {
        List<Object> segments = e instanceof JsonMappingException m ? segments(m) : List.of();
        String path = path(segments);
        Throwable root = e;
        while (root.getCause() != null && root != root.getCause()) {
            root = root.getCause();
            if (root instanceof ConfigException ce) {
                String field;
                List<Object> keyPath = new ArrayList<>(segments);
                if (ce.field().equals("layer") || ce.field().startsWith("proj") || ce.field().startsWith("scheduler")) {
                    // thrown by a value type (LayerRef, ProjectionSpec, NamedSpec): the path already ends at the value;
                    // keep what the value type says about its own parts, e.g. "proj[3].lr" -> "...proj[3].lr"
                    String part = ce.field().replaceFirst("^(layer|proj|scheduler)", "");
                    field = path.isEmpty() ? ce.field() : path + part;
                } else {
                    String own = ce.field();
                    if (!segments.isEmpty() && segments.get(segments.size() - 1) instanceof String name
                            && own.startsWith(name + ".")) {
                        own = own.substring(name.length() + 1); // "optimizer.x" raised inside "training.optimizer"
                    }
                    field = path.isEmpty() ? own : path + "." + own;
                    if (own.matches("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*")) {
                        keyPath.addAll(List.of(own.split("\\.")));
                    }
                }
                String where = source + location(keyLocation(text, fileName, keyPath, e.getLocation()));
                String msg = ce.getMessage().substring(ce.getMessage().indexOf(": ") + 2);
                return ConfigException.because(where + ": " + field, msg, ce);
            }
        }
        if (e instanceof UnrecognizedPropertyException u) {
            // records are built by property-based creators, which buffer unknown keys and report them where the
            // enclosing object ends; point at the key itself instead
            String where = source + location(keyLocation(text, fileName, segments, e.getLocation()));
            String known = u.getKnownPropertyIds() == null ? "" : u.getKnownPropertyIds().stream()
                    .map(String::valueOf).sorted().collect(Collectors.joining(", "));
            return ConfigException.because(where + ": " + path, "unknown key '" + u.getPropertyName()
                    + "'; allowed keys here: " + known, e);
        }
        String where = source + location(e.getLocation());
        return ConfigException.because(where + (path.isEmpty() ? "" : ": " + path), e.getOriginalMessage(), e);
    }

    /**
     * Where the key at {@code keyPath} (field names and list indices from the root) is written in the text, or
     * {@code fallback} if it is not found.
     */
    private static JsonLocation keyLocation(String text, String fileName, List<Object> keyPath, JsonLocation fallback) {
        if (keyPath.isEmpty() || !(keyPath.get(keyPath.size() - 1) instanceof String)) {
            return fallback;
        }
        StringBuilder target = new StringBuilder();
        for (Object s : keyPath) {
            target.append('/').append(String.valueOf(s).replace("~", "~0").replace("/", "~1"));
        }
        try (JsonParser p = mapperFor(fileName).getFactory().createParser(text)) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                if (t == JsonToken.FIELD_NAME && p.getParsingContext().pathAsPointer().toString().equals(target.toString())) {
                    return p.currentTokenLocation();
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // the text was parsed once already; if it cannot be scanned again, keep Jackson's location
        }
        return fallback;
    }

    private static String location(JsonLocation loc) {
        return loc == null || loc.getLineNr() < 0 ? "" : " line " + loc.getLineNr() + ", column " + loc.getColumnNr();
    }

    private static List<Object> segments(JsonMappingException m) {
        List<Object> out = new ArrayList<>();
        for (JsonMappingException.Reference r : m.getPath()) {
            if (r.getFieldName() != null) {
                out.add(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                out.add(r.getIndex());
            }
        }
        return out;
    }

    private static String path(List<Object> segments) {
        StringBuilder sb = new StringBuilder();
        for (Object s : segments) {
            if (s instanceof String name) {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(name);
            } else {
                sb.append('[').append(s).append(']');
            }
        }
        return sb.toString();
    }
}
