package org.distill4j.examples.spam;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * A minimal reader of gzip-compressed tar archives, enough for npm tarballs (ustar with a name prefix, plus pax
 * {@code path} records and GNU long names, which npm's tar writer can emit for long paths). It exists so that the
 * corpus can be read straight from the verified tarball, without unpacking 90 MB of files and without adding a
 * dependency. Only regular files are reported; everything else is skipped.
 */
final class TarGzReader {

    /** Receives each regular file; {@code content} is the whole file. */
    @FunctionalInterface
    interface EntryHandler {
        void accept(String path, byte[] content) throws IOException;
    }

    private static final int BLOCK = 512;

    private TarGzReader() {
    }

    /**
     * Calls {@code handler} for every regular file whose path {@code filter} accepts, in archive order.
     *
     * @throws IOException if the file cannot be read or is not a well-formed tar.gz
     */
    static void forEachFile(Path tgz, java.util.function.Predicate<String> filter, EntryHandler handler)
            throws IOException {
        try (InputStream raw = Files.newInputStream(tgz);
             InputStream in = new GZIPInputStream(new BufferedInputStream(raw, 1 << 16), 1 << 16)) {
            forEachFile(in, tgz.getFileName().toString(), filter, handler);
        }
    }

    static void forEachFile(InputStream in, String source, java.util.function.Predicate<String> filter,
                            EntryHandler handler) throws IOException {
        byte[] header = new byte[BLOCK];
        String longName = null;
        while (true) {
            if (!readFully(in, header)) {
                return; // end of stream without the two zero blocks: tolerated
            }
            if (isZero(header)) {
                return;
            }
            String name = string(header, 0, 100);
            long size = octal(header, 124, 12, source);
            char type = (char) header[156];
            String magic = string(header, 257, 6);
            if (magic.startsWith("ustar")) {
                String prefix = string(header, 345, 155);
                if (!prefix.isEmpty()) {
                    name = prefix + "/" + name;
                }
            }
            if (type == 'x' || type == 'L') {
                byte[] data = readEntry(in, size, source);
                longName = type == 'L' ? string(data, 0, data.length) : paxPath(data, longName);
                continue;
            }
            if (longName != null) {
                name = longName;
                longName = null;
            }
            boolean regular = type == '0' || type == '\0' || type == '7';
            if (regular && filter.test(name)) {
                handler.accept(name, readEntry(in, size, source));
            } else {
                skip(in, padded(size), source);
            }
        }
    }

    private static String paxPath(byte[] data, String current) {
        // pax records: "<length> <key>=<value>\n"
        String text = new String(data, StandardCharsets.UTF_8);
        String path = current;
        for (String record : text.split("\n")) {
            int space = record.indexOf(' ');
            int eq = record.indexOf('=');
            if (space > 0 && eq > space && record.substring(space + 1, eq).equals("path")) {
                path = record.substring(eq + 1);
            }
        }
        return path;
    }

    private static byte[] readEntry(InputStream in, long size, String source) throws IOException {
        if (size > Integer.MAX_VALUE - BLOCK) {
            throw new IOException(source + ": tar entry too large (" + size + " bytes)");
        }
        byte[] data = new byte[(int) size];
        if (!readFully(in, data)) {
            throw new EOFException(source + ": truncated tar entry");
        }
        skip(in, padded(size) - size, source);
        return data;
    }

    private static long padded(long size) {
        return (size + BLOCK - 1) / BLOCK * BLOCK;
    }

    private static void skip(InputStream in, long n, String source) throws IOException {
        long left = n;
        while (left > 0) {
            long skipped = in.skip(left);
            if (skipped <= 0) {
                if (in.read() < 0) {
                    throw new EOFException(source + ": truncated tar archive");
                }
                skipped = 1;
            }
            left -= skipped;
        }
    }

    private static boolean readFully(InputStream in, byte[] b) throws IOException {
        int off = 0;
        while (off < b.length) {
            int n = in.read(b, off, b.length - off);
            if (n < 0) {
                if (off == 0) {
                    return false;
                }
                throw new EOFException("truncated tar data");
            }
            off += n;
        }
        return true;
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static String string(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }

    private static long octal(byte[] b, int off, int len, String source) throws IOException {
        if ((b[off] & 0x80) != 0) {
            // GNU base-256 size, used for files over 8 GiB; never in npm tarballs but cheap to support
            long v = b[off] & 0x7F;
            for (int i = off + 1; i < off + len; i++) {
                v = (v << 8) | (b[i] & 0xFF);
            }
            return v;
        }
        String s = string(b, off, len).trim();
        if (s.isEmpty()) {
            return 0;
        }
        try {
            return Long.parseLong(s, 8);
        } catch (NumberFormatException e) {
            throw new IOException(source + ": not a tar archive (bad size field '" + s + "')", e);
        }
    }
}
