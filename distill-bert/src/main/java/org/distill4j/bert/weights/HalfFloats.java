package org.distill4j.bert.weights;

/**
 * Conversions between float32 and the 16-bit float formats, written out because Java 17 has neither
 * ({@code Float.float16ToFloat} arrived in Java 20). Both directions round to nearest, ties to even, like
 * PyTorch and NumPy.
 */
final class HalfFloats {
    private HalfFloats() {
    }

    /** IEEE binary16 bits to float (exact). */
    static float halfToFloat(short half) {
        int bits = half & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));   // infinity or NaN (payload kept)
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f;                                      // zero or subnormal: mant * 2^-24, exact
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));   // rebias 15 -> 127
    }

    /** Float to IEEE binary16 bits, round to nearest even; overflow gives infinity. */
    static short floatToHalf(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xff;
        int mant = bits & 0x7fffff;
        if (exp == 0xff) {
            return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 | (mant >>> 13) : 0));   // inf, or a quiet NaN
        }
        int e = exp - 127 + 15;
        if (e >= 0x1f) {
            return (short) (sign | 0x7c00);
        }
        if (e <= 0) {
            // Subnormal half (or zero): value = full * 2^(exp-150) = m * 2^-24, so m = full >> (126 - exp).
            if (e < -10) {
                return (short) sign;             // below half the smallest subnormal
            }
            int full = mant | 0x800000;
            int shift = 14 - e;
            int m = full >>> shift;
            int rem = full & ((1 << shift) - 1);
            int halfway = 1 << (shift - 1);
            if (rem > halfway || (rem == halfway && (m & 1) != 0)) {
                m++;                             // may carry into the smallest normal, which is still right
            }
            return (short) (sign | m);
        }
        int half = (e << 10) | (mant >>> 13);
        int rem = mant & 0x1fff;
        if (rem > 0x1000 || (rem == 0x1000 && (half & 1) != 0)) {
            half++;                              // a carry moves into the exponent, up to infinity
        }
        return (short) (sign | half);
    }

    /** bfloat16 bits to float (exact). */
    static float bfloat16ToFloat(short bf16) {
        return Float.intBitsToFloat((bf16 & 0xffff) << 16);
    }

    /** Float to bfloat16 bits, round to nearest even; NaN stays NaN. */
    static short floatToBfloat16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return (short) ((bits >>> 16) | 0x40);  // keep it a (quiet) NaN even if the payload was in the low half
        }
        int lsb = (bits >>> 16) & 1;
        return (short) ((bits + 0x7fff + lsb) >>> 16);
    }
}
