package org.distill4j.bert.weights;

import java.util.Arrays;

/**
 * Reads varints, fixed-width little-endian integers and byte ranges from a slice of a byte array: the pieces of
 * LevelDB tables and protocol buffers. Every overrun throws a {@link WeightFormatException} with the caller's
 * context, so a truncated file never surfaces as an ArrayIndexOutOfBoundsException.
 */
final class ByteCursor {
    private final byte[] data;
    private final int limit;
    private final String context;
    private int pos;

    /**
     * @param context what is being read, e.g. "bundle entry 'x' in /path/variables.index"
     */
    ByteCursor(byte[] data, int start, int limit, String context) {
        if (start < 0 || limit > data.length || start > limit) {
            throw new IllegalArgumentException(context + ": bad range [" + start + ", " + limit + ")");
        }
        this.data = data;
        this.pos = start;
        this.limit = limit;
        this.context = context;
    }

    boolean hasRemaining() {
        return pos < limit;
    }

    int position() {
        return pos;
    }

    private WeightFormatException truncated(String what) {
        return new WeightFormatException(context + ": truncated while reading " + what + " at byte " + pos
                + " (ends at " + limit + ")");
    }

    int readByte() throws WeightFormatException {
        if (pos >= limit) {
            throw truncated("a byte");
        }
        return data[pos++] & 0xff;
    }

    /** Unsigned LEB128, up to 64 bits (protobuf int64 / uint64 and LevelDB varint64). */
    long readVarint64() throws WeightFormatException {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= limit) {
                throw truncated("a varint");
            }
            int b = data[pos++] & 0xff;
            result |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return result;
            }
        }
        throw new WeightFormatException(context + ": varint longer than 10 bytes at byte " + pos);
    }

    /** A varint that must fit a non-negative int (lengths, counts). */
    int readVarint32(String what) throws WeightFormatException {
        long v = readVarint64();
        if (v < 0 || v > Integer.MAX_VALUE) {
            throw new WeightFormatException(context + ": " + what + " " + Long.toUnsignedString(v)
                    + " is out of range at byte " + pos);
        }
        return (int) v;
    }

    int readFixed32() throws WeightFormatException {
        if (limit - pos < 4) {
            throw truncated("a 4-byte integer");
        }
        int v = (data[pos] & 0xff) | (data[pos + 1] & 0xff) << 8 | (data[pos + 2] & 0xff) << 16
                | (data[pos + 3] & 0xff) << 24;
        pos += 4;
        return v;
    }

    long readFixed64() throws WeightFormatException {
        long lo = readFixed32() & 0xffffffffL;
        long hi = readFixed32() & 0xffffffffL;
        return lo | hi << 32;
    }

    byte[] readBytes(int n, String what) throws WeightFormatException {
        if (n < 0 || limit - pos < n) {
            throw truncated(what + " of " + n + " bytes");
        }
        byte[] out = Arrays.copyOfRange(data, pos, pos + n);
        pos += n;
        return out;
    }

    /** Skips a protobuf field's value of the given wire type (unknown fields are allowed and ignored). */
    void skipField(int wireType) throws WeightFormatException {
        switch (wireType) {
            case 0 -> readVarint64();
            case 1 -> readBytes(8, "a 64-bit field");
            case 2 -> readBytes(readVarint32("field length"), "a length-delimited field");
            case 5 -> readBytes(4, "a 32-bit field");
            default -> throw new WeightFormatException(context + ": unsupported protobuf wire type " + wireType
                    + " at byte " + pos);
        }
    }
}
