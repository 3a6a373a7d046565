package org.distill4j.bert.weights;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Reads every key/value pair of a LevelDB-format table (an SSTable), the format of a TensorFlow bundle's
 * {@code .index} file (tensorflow/core/lib/io/table_format.h follows LevelDB's table_format.md):
 *
 * <pre>
 *   data blocks | metaindex block | index block | footer (48 bytes)
 *   footer  = metaindex handle, index handle (varint64 offset + varint64 size each), zero padding to 40 bytes,
 *             fixed64 magic 0xdb4775248b80fb57
 *   block   = entries (varint32 shared, varint32 non_shared, varint32 value_length, key suffix, value),
 *             fixed32 restart offsets..., fixed32 restart count;
 *             followed on disk by a trailer: 1-byte compression type + fixed32 masked crc32c of block+type
 *   index   = one entry per data block: key >= the block's last key, value = the block's handle
 * </pre>
 *
 * Keys are prefix-compressed against the previous key; restart points (where shared = 0) exist for binary search,
 * which a full scan does not need, but their count locates the end of the entries. Checksums of all blocks are
 * verified. Only uncompressed blocks are read: TensorFlow's BundleWriter disables compression.
 */
final class LevelDbTable {
    static final long MAGIC = 0xdb4775248b80fb57L;
    static final int FOOTER_LENGTH = 48;
    private static final int TRAILER_LENGTH = 5;

    private LevelDbTable() {
    }

    /** One key/value pair. */
    record Entry(byte[] key, byte[] value) {
        String keyString() {
            return new String(key, StandardCharsets.UTF_8);
        }
    }

    /** A block's location: offset and size, not counting the 5-byte trailer. */
    private record Handle(long offset, long size) {
    }

    /**
     * @param file the whole table
     * @param name the file's name, for messages
     * @return all entries in table order
     */
    static List<Entry> readAll(byte[] file, String name) throws WeightFormatException {
        if (file.length < FOOTER_LENGTH) {
            throw new WeightFormatException(name + ": " + file.length + " bytes, too short for the "
                    + FOOTER_LENGTH + "-byte table footer (truncated?)");
        }
        int footerStart = file.length - FOOTER_LENGTH;
        ByteCursor footer = new ByteCursor(file, footerStart, file.length, name + " (table footer)");
        Handle metaindex = readHandle(footer);
        Handle index = readHandle(footer);
        ByteCursor magicCursor = new ByteCursor(file, file.length - 8, file.length, name + " (table footer)");
        long magic = magicCursor.readFixed64();
        if (magic != MAGIC) {
            throw new WeightFormatException(name + ": footer magic is 0x" + Long.toHexString(magic) + ", expected 0x"
                    + Long.toHexString(MAGIC) + " (not a TensorFlow/LevelDB table, or truncated)");
        }
        checkHandle(metaindex, footerStart, name, "metaindex block");
        byte[] indexBlock = readBlock(file, index, footerStart, name, "index block");
        List<Entry> entries = new ArrayList<>();
        int blockNo = 0;
        for (Entry indexEntry : parseBlock(indexBlock, name + " (index block)")) {
            ByteCursor hc = new ByteCursor(indexEntry.value(), 0, indexEntry.value().length,
                    name + " (index entry " + blockNo + ")");
            Handle handle = readHandle(hc);
            String what = "data block " + blockNo + " (at byte " + handle.offset() + ")";
            entries.addAll(parseBlock(readBlock(file, handle, footerStart, name, what), name + " (" + what + ")"));
            blockNo++;
        }
        return entries;
    }

    private static Handle readHandle(ByteCursor c) throws WeightFormatException {
        return new Handle(c.readVarint64(), c.readVarint64());
    }

    private static void checkHandle(Handle h, int end, String name, String what) throws WeightFormatException {
        if (h.offset() < 0 || h.size() < 0 || h.offset() > end || h.size() > end - h.offset() - TRAILER_LENGTH) {
            throw new WeightFormatException(name + ": " + what + " at byte " + h.offset() + " with " + h.size()
                    + " bytes (+" + TRAILER_LENGTH + " trailer) runs past the table data, which ends at byte " + end
                    + " (truncated or corrupt index)");
        }
    }

    private static byte[] readBlock(byte[] file, Handle h, int end, String name, String what)
            throws WeightFormatException {
        checkHandle(h, end, name, what);
        int off = (int) h.offset();
        int size = (int) h.size();
        int type = file[off + size] & 0xff;
        CRC32C crc = new CRC32C();
        crc.update(file, off, size + 1);  // the checksum covers the block and its type byte
        int expected = Crc32c.mask((int) crc.getValue());
        int stored = (file[off + size + 1] & 0xff) | (file[off + size + 2] & 0xff) << 8
                | (file[off + size + 3] & 0xff) << 16 | (file[off + size + 4] & 0xff) << 24;
        if (stored != expected) {
            throw new WeightFormatException(name + ": " + what + " checksum mismatch: stored masked crc32c 0x"
                    + Integer.toHexString(stored) + ", computed 0x" + Integer.toHexString(expected) + " (corrupt file)");
        }
        if (type != 0) {
            throw new WeightFormatException(name + ": " + what + " has compression type " + type
                    + (type == 1 ? " (snappy)" : "") + "; only uncompressed blocks (type 0), as TensorFlow's "
                    + "BundleWriter writes them, are supported");
        }
        return Arrays.copyOfRange(file, off, off + size);
    }

    static List<Entry> parseBlock(byte[] block, String context) throws WeightFormatException {
        if (block.length < 4) {
            throw new WeightFormatException(context + ": block of " + block.length + " bytes has no restart count");
        }
        ByteCursor countCursor = new ByteCursor(block, block.length - 4, block.length, context);
        long restarts = countCursor.readFixed32() & 0xffffffffL;
        long entriesEnd = block.length - 4 - 4 * restarts;
        if (entriesEnd < 0) {
            throw new WeightFormatException(context + ": restart count " + restarts + " does not fit a block of "
                    + block.length + " bytes");
        }
        ByteCursor c = new ByteCursor(block, 0, (int) entriesEnd, context);
        List<Entry> out = new ArrayList<>();
        byte[] previous = new byte[0];
        while (c.hasRemaining()) {
            int at = c.position();
            int shared = c.readVarint32("shared key length");
            int nonShared = c.readVarint32("key suffix length");
            int valueLength = c.readVarint32("value length");
            if (shared > previous.length) {
                throw new WeightFormatException(context + ": entry at byte " + at + " shares " + shared
                        + " key bytes with a previous key of only " + previous.length);
            }
            byte[] suffix = c.readBytes(nonShared, "a key suffix");
            byte[] key = Arrays.copyOf(previous, shared + nonShared);
            System.arraycopy(suffix, 0, key, shared, nonShared);
            out.add(new Entry(key, c.readBytes(valueLength, "a value")));
            previous = key;
        }
        return out;
    }
}
