package com.clickhouse.analytics.writer.clickhouse;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;

/**
 * Writes ClickHouse RowBinary values into a reusable buffer that is flushed to the stream when
 * full: strings are UTF-8 encoded straight into the buffer (no {@code getBytes} per value), so
 * encoding a row allocates nothing. Not thread-safe.
 */
public final class RowBinaryOutput {

    private static final long[] POW10 = {1L, 10L, 100L, 1_000L, 10_000L, 100_000L, 1_000_000L, 10_000_000L, 100_000_000L, 1_000_000_000L};

    /** From this length on, strings are encoded by {@link String#getBytes}: same bytes, faster. */
    static final int LONG_STRING = 64;

    private final OutputStream out;
    private final byte[] buffer;
    private int position;
    private long written;

    public RowBinaryOutput(OutputStream out, int bufferSize) {
        if (bufferSize < 64) {
            throw new IllegalArgumentException("buffer too small: " + bufferSize);
        }
        this.out = out;
        this.buffer = new byte[bufferSize];
    }

    public void writeByte(int value) throws IOException {
        ensure(1);
        buffer[position++] = (byte) value;
    }

    public void writeInt32(int value) throws IOException {
        ensure(4);
        for (int i = 0; i < 4; i++) {
            buffer[position++] = (byte) (value >>> (8 * i));
        }
    }

    public void writeInt64(long value) throws IOException {
        ensure(8);
        for (int i = 0; i < 8; i++) {
            buffer[position++] = (byte) (value >>> (8 * i));
        }
    }

    /** UUID: the high 64 bits then the low 64 bits, each little-endian. */
    public void writeUuid(UUID uuid) throws IOException {
        writeInt64(uuid.getMostSignificantBits());
        writeInt64(uuid.getLeastSignificantBits());
    }

    /** DateTime64(precision): ticks of 10^-precision seconds since the epoch, Int64. */
    public void writeDateTime64(Instant instant, int precision) throws IOException {
        long ticks = Math.addExact(Math.multiplyExact(instant.getEpochSecond(), POW10[precision]),
                instant.getNano() / POW10[9 - precision]);
        writeInt64(ticks);
    }

    /** DateTime: seconds since the epoch, UInt32. */
    public void writeDateTime(Instant instant) throws IOException {
        writeInt32((int) Math.max(0, Math.min(0xFFFF_FFFFL, instant.getEpochSecond())));
    }

    public void writeVarUInt(long value) throws IOException {
        ensure(10);
        long v = value;
        while ((v & ~0x7FL) != 0) {
            buffer[position++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buffer[position++] = (byte) v;
    }

    /** String: varint byte length, then UTF-8 (lone surrogates become '?', as {@code getBytes} would do). */
    public void writeString(String value) throws IOException {
        int length = value.length();
        if (length >= LONG_STRING) {
            // The JDK's encoder checks and copies whole vectors at a time; scanning char by char for the
            // length and then copying cost more than the short-lived array it allocates.
            byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
            writeVarUInt(utf8.length);
            writeBytes(utf8);
            return;
        }
        int utf8 = utf8Length(value);
        writeVarUInt(utf8);
        if (utf8 == length) { // ASCII: the common case, copied in bulk (the chars are all < 0x80)
            int i = 0;
            while (i < length) {
                int chunk = Math.min(length - i, buffer.length - position);
                if (chunk == 0) {
                    flushBuffer();
                    continue;
                }
                copyAscii(value, i, i + chunk, buffer, position);
                position += chunk;
                i += chunk;
            }
            return;
        }
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            ensure(4);
            if (c < 0x80) {
                buffer[position++] = (byte) c;
            } else if (c < 0x800) {
                buffer[position++] = (byte) (0xC0 | (c >> 6));
                buffer[position++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(value.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, value.charAt(++i));
                buffer[position++] = (byte) (0xF0 | (cp >> 18));
                buffer[position++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                buffer[position++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                buffer[position++] = (byte) (0x80 | (cp & 0x3F));
            } else if (Character.isSurrogate(c)) {
                buffer[position++] = '?';
            } else {
                buffer[position++] = (byte) (0xE0 | (c >> 12));
                buffer[position++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                buffer[position++] = (byte) (0x80 | (c & 0x3F));
            }
        }
    }

    private void writeBytes(byte[] bytes) throws IOException {
        if (bytes.length > buffer.length - position) {
            flushBuffer();
            if (bytes.length > buffer.length / 2) {
                out.write(bytes);
                written += bytes.length;
                return;
            }
        }
        System.arraycopy(bytes, 0, buffer, position, bytes.length);
        position += bytes.length;
    }

    @SuppressWarnings("deprecation") // exactly right for ASCII: copies the low byte of each char, no allocation
    private static void copyAscii(String value, int from, int to, byte[] target, int at) {
        value.getBytes(from, to, target, at);
    }

    static int utf8Length(String value) {
        int length = value.length();
        int bytes = length;
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            if (c >= 0x80) {
                if (c < 0x800) {
                    bytes += 1;
                } else if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(value.charAt(i + 1))) {
                    bytes += 2; // 4 bytes for 2 chars
                    i++;
                } else if (!Character.isSurrogate(c)) {
                    bytes += 2;
                }
            }
        }
        return bytes;
    }

    /** Bytes written so far, buffered or not. */
    public long written() {
        return written + position;
    }

    public void flush() throws IOException {
        flushBuffer();
        out.flush();
    }

    private void ensure(int bytes) throws IOException {
        if (buffer.length - position < bytes) {
            flushBuffer();
        }
    }

    private void flushBuffer() throws IOException {
        if (position > 0) {
            out.write(buffer, 0, position);
            written += position;
            position = 0;
        }
    }
}
