package org.distill4j.bert.weights;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Writes Hugging Face safetensors files, for tests and exports:
 *
 * <pre>{@code
 * new SafetensorsWriter()
 *         .add("embeddings.word_embeddings.weight", wordEmbeddings)          // stored as its own type, e.g. F32
 *         .add("encoder.layer.0.output.dense.weight", w, TensorDType.BFLOAT16) // narrowed, round to nearest even
 *         .metadata("format", "pt")
 *         .write(Path.of("model.safetensors"));
 * }</pre>
 *
 * Tensors are stored in name order, the JSON header is padded with spaces to a multiple of 8 bytes (as the
 * reference writer does), and the file is written to a temporary sibling and then moved into place, so a failed
 * write never leaves a half-written file under the final name. Arrays are copied when added.
 */
public final class SafetensorsWriter {
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Pending(long[] shape, TensorDType dtype, byte[] data) {
    }

    private final Map<String, Pending> tensors = new TreeMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    /** Creates an empty writer. */
    public SafetensorsWriter() {
    }

    /**
     * Writes the given arrays, each in its own type, to {@code file}.
     *
     * @param file    destination
     * @param tensors name to array (FLOAT, DOUBLE, FLOAT16, BFLOAT16, INT32 or INT64)
     * @throws IOException if writing fails
     */
    public static void write(Path file, Map<String, INDArray> tensors) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter();
        tensors.forEach(w::add);
        w.write(file);
    }

    /**
     * Adds a tensor stored in its own type: FLOAT as F32, DOUBLE as F64, FLOAT16 as F16, BFLOAT16 as BF16,
     * INT32 as I32, INT64 as I64.
     *
     * @param name  tensor name (not empty, not {@code __metadata__}, not already added)
     * @param array values; copied now
     * @return this writer
     */
    public SafetensorsWriter add(String name, INDArray array) {
        return add(name, array, InMemoryTensorSource.dtypeOf(name, array.dataType()));
    }

    /**
     * Adds a tensor stored as {@code dtype}. Floating arrays may be stored as any floating dtype (narrowing rounds to
     * nearest even; DOUBLE to F16/BF16 goes through float32), integer arrays as I32 or I64.
     *
     * @param name  tensor name (not empty, not {@code __metadata__}, not already added)
     * @param array values; copied now
     * @param dtype how to store them
     * @return this writer
     * @throws IllegalArgumentException for a bad name, a floating/integer mismatch or an I32 overflow
     */
    public SafetensorsWriter add(String name, INDArray array, TensorDType dtype) {
        Objects.requireNonNull(dtype, "dtype");
        if (name == null || name.isEmpty() || name.equals("__metadata__")) {
            throw new IllegalArgumentException("bad tensor name '" + name + "': must be non-empty and not __metadata__");
        }
        if (tensors.containsKey(name)) {
            throw new IllegalArgumentException("tensor '" + name + "' was already added");
        }
        tensors.put(name, new Pending(array.shape(), dtype, TensorCodec.encode(name, array, dtype)));
        return this;
    }

    /**
     * Adds a {@code __metadata__} entry.
     *
     * @param key   metadata key
     * @param value metadata value
     * @return this writer
     */
    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
        return this;
    }

    /**
     * Writes everything added so far. The writer can be reused afterwards.
     *
     * @param file destination; replaced if it exists
     * @throws IOException if writing fails
     */
    public void write(Path file) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, Pending> e : tensors.entrySet()) {
            Pending p = e.getValue();
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", p.dtype().safetensorsName());
            ArrayNode shape = t.putArray("shape");
            Arrays.stream(p.shape()).forEach(shape::add);
            t.putArray("data_offsets").add(offset).add(offset + p.data().length);
            offset += p.data().length;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;   // keeps the data 8-byte aligned for memory-mapped readers
        byte[] headerBytes = Arrays.copyOf(json, padded);
        Arrays.fill(headerBytes, json.length, padded, (byte) ' ');

        Path absolute = file.toAbsolutePath();
        Files.createDirectories(absolute.getParent());
        Path tmp = Files.createTempFile(absolute.getParent(), "." + absolute.getFileName(), ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
                out.write(headerBytes);
                for (Pending p : tensors.values()) {
                    out.write(p.data());
                }
            }
            try {
                Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
