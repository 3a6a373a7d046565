package org.distill4j.bert.weights;

/** TensorFlow's and LevelDB's masking of stored crc32c values (crc32c.h: "Mask"). */
final class Crc32c {
    private static final int MASK_DELTA = 0xa282ead8;

    private Crc32c() {
    }

    /**
     * Rotates right by 15 bits and adds a constant. Why: a crc of data that itself embeds crcs is weak, so the
     * stored value is scrambled.
     */
    static int mask(int crc) {
        return ((crc >>> 15) | (crc << 17)) + MASK_DELTA;
    }
}
