package com.clickhouse.analytics.gateway.decode;

/**
 * Strict UTF-8 validation (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
 * Jackson does not check every string it skips, so the decoder checks the whole payload once, with
 * a fast path for ASCII.
 */
final class Utf8 {

    private static final java.lang.invoke.VarHandle LONGS =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final long HIGHS = 0x8080808080808080L;

    private Utf8() {
    }

    static boolean isValid(byte[] b, int length) {
        int i = 0;
        while (i < length) {
            // ASCII fast path: 32 bytes at a time (four independent loads per test), then eight.
            while (i + 32 <= length && (((long) LONGS.get(b, i) | (long) LONGS.get(b, i + 8) | (long) LONGS.get(b, i + 16)
                    | (long) LONGS.get(b, i + 24)) & HIGHS) == 0) {
                i += 32;
            }
            while (i + 8 <= length && ((long) LONGS.get(b, i) & HIGHS) == 0) {
                i += 8;
            }
            if (i >= length) {
                return true;
            }
            int c = b[i] & 0xff;
            if (c < 0x80) {
                i++;
            } else if (c >= 0xc2 && c <= 0xdf) {
                if (i + 1 >= length || !cont(b[i + 1])) {
                    return false;
                }
                i += 2;
            } else if (c >= 0xe0 && c <= 0xef) {
                if (i + 2 >= length || !cont(b[i + 1]) || !cont(b[i + 2])) {
                    return false;
                }
                int c1 = b[i + 1] & 0xff;
                if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 > 0x9f)) {
                    return false; // overlong, or a UTF-16 surrogate
                }
                i += 3;
            } else if (c >= 0xf0 && c <= 0xf4) {
                if (i + 3 >= length || !cont(b[i + 1]) || !cont(b[i + 2]) || !cont(b[i + 3])) {
                    return false;
                }
                int c1 = b[i + 1] & 0xff;
                if ((c == 0xf0 && c1 < 0x90) || (c == 0xf4 && c1 > 0x8f)) {
                    return false; // overlong, or above U+10FFFF
                }
                i += 4;
            } else {
                return false;
            }
        }
        return true;
    }

    private static boolean cont(byte b) {
        return (b & 0xc0) == 0x80;
    }
}
