package com.clickhouse.analytics.local.chdb;

/**
 * CityHash128 as of CityHash v1.0.2 — the exact variant ClickHouse checksums its compressed blocks
 * with (its {@code contrib/cityhash102}). Later CityHash releases changed the function, so no
 * general-purpose library can stand in for it.
 */
final class CityHash128 {

    private static final long K0 = 0xc3a5c85c97cb3127L;
    private static final long K1 = 0xb492b66fbe98f273L;
    private static final long K2 = 0x9ae16a3b2f90404fL;
    private static final long K3 = 0xc949d7c7509e6557L;
    private static final long K_MUL = 0x9ddfea08eb382d69L;

    private CityHash128() {
    }

    /** The hash of {@code length} bytes at {@code offset}: {@code [low64, high64]}. */
    static long[] hash(byte[] s, int offset, int length) {
        if (length >= 16) {
            return withSeed(s, offset + 16, length - 16, fetch64(s, offset) ^ K3, fetch64(s, offset + 8));
        }
        if (length >= 8) {
            return withSeed(s, 0, 0, fetch64(s, offset) ^ (length * K0), fetch64(s, offset + length - 8) ^ K1);
        }
        return withSeed(s, offset, length, K0, K1);
    }

    private static long[] withSeed(byte[] s, int pos, int len, long seedLow, long seedHigh) {
        if (len < 128) {
            return cityMurmur(s, pos, len, seedLow, seedHigh);
        }
        long x = seedLow;
        long y = seedHigh;
        long z = len * K1;
        long v0 = rotate(y ^ K1, 49) * K1 + fetch64(s, pos);
        long v1 = rotate(v0, 42) * K1 + fetch64(s, pos + 8);
        long w0 = rotate(y + z, 35) * K1 + x;
        long w1 = rotate(x + fetch64(s, pos + 88), 53) * K1;
        do {
            for (int half = 0; half < 2; half++) {
                x = rotate(x + y + v0 + fetch64(s, pos + 16), 37) * K1;
                y = rotate(y + v1 + fetch64(s, pos + 48), 42) * K1;
                x ^= w1;
                y ^= v0;
                z = rotate(z ^ w0, 33);
                long[] v = weakHashLen32WithSeeds(s, pos, v1 * K1, x + w0);
                long[] w = weakHashLen32WithSeeds(s, pos + 32, z + w1, y);
                v0 = v[0];
                v1 = v[1];
                w0 = w[0];
                w1 = w[1];
                long swap = z;
                z = x;
                x = swap;
                pos += 64;
            }
            len -= 128;
        } while (len >= 128);
        y += rotate(w0, 37) * K0 + z;
        x += rotate(v0 + z, 49) * K0;
        for (int tailDone = 0; tailDone < len; ) {
            tailDone += 32;
            y = rotate(y - x, 42) * K0 + v1;
            w0 += fetch64(s, pos + len - tailDone + 16);
            x = rotate(x, 49) * K0 + w0;
            w0 += v0;
            long[] v = weakHashLen32WithSeeds(s, pos + len - tailDone, v0, v1);
            v0 = v[0];
            v1 = v[1];
        }
        x = hashLen16(x, v0);
        y = hashLen16(y, w0);
        return new long[] {hashLen16(x + v1, w1) + y, hashLen16(x + w1, y + v1)};
    }

    private static long[] cityMurmur(byte[] s, int pos, int len, long seedLow, long seedHigh) {
        long a = seedLow;
        long b = seedHigh;
        long c;
        long d;
        int l = len - 16;
        if (l <= 0) {
            a = shiftMix(a * K1) * K1;
            c = b * K1 + hashLen0to16(s, pos, len);
            d = shiftMix(a + (len >= 8 ? fetch64(s, pos) : c));
        } else {
            c = hashLen16(fetch64(s, pos + len - 8) + K1, a);
            d = hashLen16(b + len, c + fetch64(s, pos + len - 16));
            a += d;
            do {
                a ^= shiftMix(fetch64(s, pos) * K1) * K1;
                a *= K1;
                b ^= a;
                c ^= shiftMix(fetch64(s, pos + 8) * K1) * K1;
                c *= K1;
                d ^= c;
                pos += 16;
                l -= 16;
            } while (l > 0);
        }
        a = hashLen16(a, c);
        b = hashLen16(d, b);
        return new long[] {a ^ b, hashLen16(b, a)};
    }

    private static long hashLen0to16(byte[] s, int pos, int len) {
        if (len > 8) {
            long a = fetch64(s, pos);
            long b = fetch64(s, pos + len - 8);
            return hashLen16(a, rotateByAtLeast1(b + len, len)) ^ b;
        }
        if (len >= 4) {
            long a = fetch32(s, pos);
            return hashLen16(len + (a << 3), fetch32(s, pos + len - 4));
        }
        if (len > 0) {
            int a = s[pos] & 0xff;
            int b = s[pos + (len >> 1)] & 0xff;
            int c = s[pos + len - 1] & 0xff;
            long y = (a + (b << 8)) & 0xffffffffL;
            long z = (len + (c << 2)) & 0xffffffffL;
            return shiftMix(y * K2 ^ z * K3) * K2;
        }
        return K2;
    }

    private static long[] weakHashLen32WithSeeds(byte[] s, int pos, long a, long b) {
        long w = fetch64(s, pos);
        long x = fetch64(s, pos + 8);
        long y = fetch64(s, pos + 16);
        long z = fetch64(s, pos + 24);
        a += w;
        b = rotate(b + a + z, 21);
        long c = a;
        a += x;
        a += y;
        b += rotate(a, 44);
        return new long[] {a + z, b + c};
    }

    private static long hashLen16(long u, long v) {
        long a = (u ^ v) * K_MUL;
        a ^= a >>> 47;
        long b = (v ^ a) * K_MUL;
        b ^= b >>> 47;
        return b * K_MUL;
    }

    private static long shiftMix(long v) {
        return v ^ (v >>> 47);
    }

    private static long rotate(long v, int shift) {
        return shift == 0 ? v : Long.rotateRight(v, shift);
    }

    private static long rotateByAtLeast1(long v, int shift) {
        return Long.rotateRight(v, shift);
    }

    private static long fetch64(byte[] s, int pos) {
        return (s[pos] & 0xffL) | (s[pos + 1] & 0xffL) << 8 | (s[pos + 2] & 0xffL) << 16 | (s[pos + 3] & 0xffL) << 24
                | (s[pos + 4] & 0xffL) << 32 | (s[pos + 5] & 0xffL) << 40 | (s[pos + 6] & 0xffL) << 48
                | (s[pos + 7] & 0xffL) << 56;
    }

    private static long fetch32(byte[] s, int pos) {
        return (s[pos] & 0xffL) | (s[pos + 1] & 0xffL) << 8 | (s[pos + 2] & 0xffL) << 16 | (s[pos + 3] & 0xffL) << 24;
    }
}
