package com.clickhouse.analytics.writer.clickhouse;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * ClickHouse's {@code cityHash64(s)} of one {@code String} argument, in Java: CityHash64 of the
 * string's bytes as of <b>CityHash v1.0.2</b>, the version ClickHouse keeps in
 * {@code contrib/cityhash102} (namespace {@code CityHash_v1_0_2}) so that hashes stored in sorting
 * keys and sharding keys never change. Later CityHash releases (1.1, Guava's, most ports) changed
 * {@code HashLen0to16} and the long-string mixing and give other values; that is why the writer
 * carries its own copy. {@code CityHashTest} checks it against the engine for thousands of random
 * strings of every length from 0 to 300 bytes, UTF-8 included.
 *
 * <p>All arithmetic is on unsigned 64-bit words: Java's {@code long} wraps the same way for
 * {@code + - *} and {@code ^}; right shifts use {@code >>>}; the input is read as little-endian
 * words (ClickHouse runs on little-endian machines, and the v1.0.2 code only swaps bytes on
 * big-endian ones). The result is the UInt64 bit pattern: compare or reduce it with
 * {@link Long#remainderUnsigned}, never with {@code %}.
 *
 * <p>Allocation-free and stateless; thread-safe.
 */
public final class CityHash64 {

    // Primes between 2^63 and 2^64, as in city.cc.
    private static final long K0 = 0xc3a5c85c97cb3127L;
    private static final long K1 = 0xb492b66fbe98f273L;
    private static final long K2 = 0x9ae16a3b2f90404fL;
    private static final long K3 = 0xc949d7c7509e6557L;
    /** Hash128to64's multiplier (city.h). */
    private static final long MUL = 0x9ddfea08eb382d69L;

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private CityHash64() {
    }

    /** {@code cityHash64} of all of {@code bytes}. */
    public static long hash(byte[] bytes) {
        return hash(bytes, 0, bytes.length);
    }

    /** {@code cityHash64} of {@code length} bytes of {@code s} from {@code offset}. */
    public static long hash(byte[] s, int offset, int length) {
        if (length <= 16) {
            return len0to16(s, offset, length);
        }
        if (length <= 32) {
            return len17to32(s, offset, length);
        }
        if (length <= 64) {
            return len33to64(s, offset, length);
        }
        return longer(s, offset, length);
    }

    private static long len0to16(byte[] s, int at, int len) {
        if (len > 8) {
            long a = word(s, at);
            long b = word(s, at + len - 8);
            // RotateByAtLeast1: len is 9..16 here, so the rotation is never by 0.
            return len16(a, Long.rotateRight(b + len, len)) ^ b;
        }
        if (len >= 4) {
            long a = half(s, at);
            return len16(len + (a << 3), half(s, at + len - 4));
        }
        if (len > 0) {
            // First, middle and last byte; y and z are uint32 in C before they are widened.
            long y = ((s[at] & 0xff) + ((s[at + (len >> 1)] & 0xff) << 8)) & 0xffffffffL;
            long z = (len + ((s[at + len - 1] & 0xff) << 2)) & 0xffffffffL;
            return shiftMix(y * K2 ^ z * K3) * K2;
        }
        return K2;
    }

    private static long len17to32(byte[] s, int at, int len) {
        long a = word(s, at) * K1;
        long b = word(s, at + 8);
        long c = word(s, at + len - 8) * K2;
        long d = word(s, at + len - 16) * K0;
        return len16(rotate(a - b, 43) + rotate(c, 30) + d, a + rotate(b ^ K3, 20) - c + len);
    }

    private static long len33to64(byte[] s, int at, int len) {
        long z = word(s, at + 24);
        long a = word(s, at) + (len + word(s, at + len - 16)) * K0;
        long b = rotate(a + z, 52);
        long c = rotate(a, 37);
        a += word(s, at + 8);
        c += rotate(a, 7);
        a += word(s, at + 16);
        long vf = a + z;
        long vs = b + rotate(a, 31) + c;
        a = word(s, at + 16) + word(s, at + len - 32);
        z = word(s, at + len - 8);
        b = rotate(a + z, 52);
        c = rotate(a, 37);
        a += word(s, at + len - 24);
        c += rotate(a, 7);
        a += word(s, at + len - 16);
        long wf = a + z;
        long ws = b + rotate(a, 31) + c;
        long r = shiftMix((vf + ws) * K2 + (wf + vs) * K0);
        return shiftMix(r * K0 + vs) * K2;
    }

    /**
     * Over 64 bytes: the last 64 bytes seed 56 bytes of state (v, w pairs; x, y, z), then every
     * 64-byte chunk from the start is mixed in; the final chunk may overlap the seeded tail. The
     * pairs of {@code WeakHashLen32WithSeeds} are kept in four locals instead of {@code std::pair}s
     * so nothing is allocated.
     */
    private static long longer(byte[] s, int at, int len) {
        long x = word(s, at);
        long y = word(s, at + len - 16) ^ K1;
        long z = word(s, at + len - 56) ^ K0;
        long v1 = weakFirst(s, at + len - 64, len, y);
        long v2 = weakSecond(s, at + len - 64, len, y);
        long w1 = weakFirst(s, at + len - 32, len * K1, K0);
        long w2 = weakSecond(s, at + len - 32, len * K1, K0);
        z += shiftMix(v2) * K1;
        x = rotate(z + x, 39) * K1;
        y = rotate(y, 33) * K1;

        // city.cc: len = (len - 1) & ~63, then one chunk per 64 of that: a length of 65..128 mixes one
        // chunk, 129..192 two; the bytes after the last chunk were read by the seeding above.
        int chunks = ((len - 1) & ~63) / 64;
        int p = at;
        for (int i = 0; i < chunks; i++) {
            x = rotate(x + y + v1 + word(s, p + 16), 37) * K1;
            y = rotate(y + v2 + word(s, p + 48), 42) * K1;
            x ^= w2;
            y ^= v1;
            z = rotate(z ^ w1, 33);
            long a = v2 * K1;
            long b = x + w1;
            v1 = weakFirst(s, p, a, b);
            v2 = weakSecond(s, p, a, b);
            a = z + w2;
            w1 = weakFirst(s, p + 32, a, y);
            w2 = weakSecond(s, p + 32, a, y);
            long swap = z;
            z = x;
            x = swap;
            p += 64;
        }
        return len16(len16(v1, w1) + shiftMix(y) * K1 + z, len16(v2, w2) + x);
    }

    /** {@code WeakHashLen32WithSeeds(s, a, b).first}: the 32 bytes at {@code p} mixed with two seeds. */
    private static long weakFirst(byte[] s, int p, long a, long b) {
        return a + word(s, p) + word(s, p + 8) + word(s, p + 16) + word(s, p + 24);
    }

    /** {@code WeakHashLen32WithSeeds(s, a, b).second}. */
    private static long weakSecond(byte[] s, int p, long a, long b) {
        long w = word(s, p);
        long z = word(s, p + 24);
        a += w;
        b = rotate(b + a + z, 21);
        long c = a;
        a += word(s, p + 8) + word(s, p + 16);
        return b + rotate(a, 44) + c;
    }

    /** {@code Hash128to64(uint128(u, v))}: Murmur-inspired, u is the low word. */
    private static long len16(long u, long v) {
        long a = (u ^ v) * MUL;
        a ^= a >>> 47;
        long b = (v ^ a) * MUL;
        b ^= b >>> 47;
        return b * MUL;
    }

    private static long shiftMix(long v) {
        return v ^ (v >>> 47);
    }

    /** city.cc's {@code Rotate}: a right rotation, by 0 the identity (as Java's is too). */
    private static long rotate(long v, int shift) {
        return Long.rotateRight(v, shift);
    }

    private static long word(byte[] s, int at) {
        return (long) LONGS.get(s, at);
    }

    private static long half(byte[] s, int at) {
        return (int) INTS.get(s, at) & 0xffffffffL;
    }
}
