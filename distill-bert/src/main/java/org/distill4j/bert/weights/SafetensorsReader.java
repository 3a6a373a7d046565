package org.distill4j.bert.weights;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Reads a Hugging Face safetensors file:
 *
 * <pre>
 *   u64 little-endian N | N bytes of UTF-8 JSON | data
 *   JSON: {"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...,
 *          "__metadata__": {"key": "value", ...}}            (offsets relative to the start of data)
 * </pre>
 *
 * The whole header is validated when the file is opened: every tensor's offsets must lie inside the data and
 * span exactly shape x dtype bytes. Decodable dtypes are F32, F64, F16, BF16, I32 and I64 (F16 and BF16 are
 * widened to FLOAT). The other dtypes of the format (BOOL, U8, I8, I16, U16, U32, U64, F8_E4M3, F8_E5M2) are
 * listed with {@link TensorInfo#isReadable()} false; any other dtype name is an error when opening.
 *
 * Overlaps and gaps between tensors' byte ranges are not checked: they cannot make a read go wrong.
 *
 * <p>Data is read lazily with positional reads; concurrent {@code read} calls are safe.
 */
public final class SafetensorsReader implements TensorSource {
    /** The header size limit of the reference implementation (safetensors' MAX_HEADER_SIZE). */
    static final long MAX_HEADER_BYTES = 100_000_000L;
    /** Element sizes of the format's dtypes this reader lists but does not decode. */
    private static final Map<String, Integer> OTHER_DTYPES = Map.of("BOOL", 1, "U8", 1, "I8", 1, "I16", 2, "U16", 2,
            "U32", 4, "U64", 8, "F8_E4M3", 1, "F8_E5M2", 1);
    // Duplicate names would silently shadow each other: reject them, as the reference implementation does.
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

    /** One tensor: its info and where its bytes start in the file. */
    private record Slot(TensorInfo info, long fileOffset) {
    }

    private final Path file;
    private final FileChannel channel;
    private final Map<String, Slot> slots;
    private final SortedSet<String> names;
    private final Map<String, String> metadata;
    private boolean closed;

    private SafetensorsReader(Path file, FileChannel channel, Map<String, Slot> slots, Map<String, String> metadata) {
        this.file = file;
        this.channel = channel;
        this.slots = slots;
        this.names = Collections.unmodifiableSortedSet(new TreeSet<>(slots.keySet()));
        this.metadata = metadata;
    }

    /**
     * Opens a safetensors file, or the {@code model.safetensors} of a Hugging Face model folder.
     *
     * @param path a {@code .safetensors} file or a folder containing {@code model.safetensors}
     * @return the reader
     * @throws WeightFormatException if the file is malformed; the message names the file and the tensor
     * @throws IOException           if it cannot be read
     */
    public static SafetensorsReader open(Path path) throws IOException {
        Path file = path;
        if (Files.isDirectory(path)) {
            file = path.resolve("model.safetensors");
            if (!Files.isRegularFile(file)) {
                boolean sharded = Files.isRegularFile(path.resolve("model.safetensors.index.json"));
                throw new WeightFormatException("no model.safetensors in folder " + path
                        + (sharded ? " (it holds a sharded model.safetensors.index.json, which is not supported;"
                                + " open the shard files one by one)" : ""));
            }
        }
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        try {
            return parse(file, ch);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static SafetensorsReader parse(Path file, FileChannel ch) throws IOException {
        long fileSize = ch.size();
        if (fileSize < 8) {
            throw new WeightFormatException(file + ": " + fileSize + " bytes, too short for the 8-byte header "
                    + "length (truncated, or not a safetensors file)");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, lenBuf, 0, file, "the header length");
        long headerLen = lenBuf.getLong(0);
        if (headerLen < 2 || headerLen > fileSize - 8 || headerLen > MAX_HEADER_BYTES) {
            throw new WeightFormatException(file + ": header length " + Long.toUnsignedString(headerLen)
                    + " is impossible for a file of " + fileSize + " bytes (expected 2.." + Math.min(fileSize - 8,
                    MAX_HEADER_BYTES) + "; truncated, or not a safetensors file)");
        }
        ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLen);
        readFully(ch, headerBuf, 8, file, "the header");
        JsonNode root;
        try {
            root = JSON.readTree(new String(headerBuf.array(), StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new WeightFormatException(file + ": header is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new WeightFormatException(file + ": header must be a JSON object of tensors, found "
                    + (root == null ? "nothing" : root.getNodeType()));
        }
        long dataStart = 8 + headerLen;
        long dataLen = fileSize - dataStart;
        Map<String, Slot> slots = new TreeMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            String name = field.getKey();
            if (name.equals("__metadata__")) {
                readMetadata(field.getValue(), metadata, file);
                continue;
            }
            String where = file + ": tensor '" + name + "'";
            JsonNode t = field.getValue();
            if (!t.isObject()) {
                throw new WeightFormatException(where + ": expected an object with dtype, shape and data_offsets, found "
                        + t.getNodeType());
            }
            JsonNode dtypeNode = t.get("dtype");
            if (dtypeNode == null || !dtypeNode.isTextual()) {
                throw new WeightFormatException(where + ": missing or non-string \"dtype\"");
            }
            String dtypeName = dtypeNode.asText();
            TensorDType dtype = TensorDType.fromSafetensorsName(dtypeName);
            Integer width = dtype != null ? Integer.valueOf(dtype.byteSize()) : OTHER_DTYPES.get(dtypeName);
            if (width == null) {
                throw new WeightFormatException(where + ": unknown dtype '" + dtypeName + "'; expected one of F32, F64, "
                        + "F16, BF16, I32, I64 (readable) or BOOL, U8, I8, I16, U16, U32, U64, F8_E4M3, F8_E5M2");
            }
            long[] shape = longArray(t.get("shape"), where, "shape", -1);
            long[] offsets = longArray(t.get("data_offsets"), where, "data_offsets", 2);
            long begin = offsets[0];
            long end = offsets[1];
            if (begin > end || end > dataLen) {
                throw new WeightFormatException(where + ": data_offsets [" + begin + ", " + end + "] lie outside the "
                        + dataLen + " data bytes after the header (expected 0 <= begin <= end <= " + dataLen
                        + "; truncated file?)");
            }
            long expected;
            try {
                expected = Math.multiplyExact(TensorInfo.elementCount(shape), width);
            } catch (ArithmeticException e) {
                throw new WeightFormatException(where + ": shape " + Arrays.toString(shape) + " is too large");
            }
            if (end - begin != expected) {
                throw new WeightFormatException(where + ": data_offsets [" + begin + ", " + end + "] span "
                        + (end - begin) + " bytes, but " + dtypeName + Arrays.toString(shape) + " needs " + expected);
            }
            slots.put(name, new Slot(new TensorInfo(name, shape, dtype, dtypeName, expected), dataStart + begin));
        }
        return new SafetensorsReader(file, ch, slots, Collections.unmodifiableMap(metadata));
    }

    private static void readMetadata(JsonNode node, Map<String, String> into, Path file)
            throws WeightFormatException {
        if (!node.isObject()) {
            throw new WeightFormatException(file + ": \"__metadata__\" must be an object of strings, found "
                    + node.getNodeType());
        }
        for (Map.Entry<String, JsonNode> m : node.properties()) {
            if (!m.getValue().isTextual()) {
                throw new WeightFormatException(file + ": \"__metadata__\" value of '" + m.getKey()
                        + "' must be a string, found " + m.getValue().getNodeType());
            }
            into.put(m.getKey(), m.getValue().asText());
        }
    }

    /** A JSON array of non-negative integers; {@code length} -1 means any length. */
    private static long[] longArray(JsonNode node, String where, String field, int length)
            throws WeightFormatException {
        if (node == null || !node.isArray() || (length >= 0 && node.size() != length)) {
            throw new WeightFormatException(where + ": \"" + field + "\" must be an array of "
                    + (length >= 0 ? length + " " : "") + "non-negative integers, found " + node);
        }
        long[] out = new long[node.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 0) {
                throw new WeightFormatException(where + ": \"" + field + "\" must hold non-negative integers, found "
                        + node);
            }
            out[i] = v.asLong();
        }
        return out;
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position, Path file, String what)
            throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new WeightFormatException(file + ": ends at byte " + pos + " while reading " + what
                        + " (truncated)");
            }
            pos += n;
        }
    }

    /** @return the file */
    public Path file() {
        return file;
    }

    /** @return the {@code __metadata__} strings (empty if absent) */
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public String description() {
        return file.toString();
    }

    @Override
    public SortedSet<String> names() {
        return names;
    }

    private Slot slot(String name) {
        Slot s = slots.get(name);
        if (s == null) {
            throw new NoSuchElementException("no tensor '" + name + "' in " + file + " (" + slots.size() + " tensors)");
        }
        return s;
    }

    @Override
    public TensorInfo info(String name) {
        return slot(name).info();
    }

    @Override
    public INDArray read(String name) throws IOException {
        Slot s = slot(name);
        TensorInfo info = s.info();
        String where = file + ": tensor '" + name + "'";
        if (info.dtype() == null) {
            throw new WeightFormatException(where + ": dtype " + info.storedType() + " cannot be read; readable: "
                    + "F32, F64, F16, BF16, I32, I64");
        }
        if (closed) {
            throw new IllegalStateException(file + " is closed");
        }
        if (info.byteSize() > Integer.MAX_VALUE - 8) {
            throw new WeightFormatException(where + ": " + info.byteSize() + " bytes exceed the 2 GiB one read can hold");
        }
        ByteBuffer buf = ByteBuffer.allocate((int) info.byteSize());
        readFully(channel, buf, s.fileOffset(), file, "tensor '" + name + "'");
        buf.flip();
        return TensorCodec.decode(buf, info.dtype(), info.shape(), where);
    }

    @Override
    public void close() throws IOException {
        closed = true;
        channel.close();
    }

    @Override
    public String toString() {
        return "SafetensorsReader[" + file + ", " + slots.size() + " tensors]";
    }
}
