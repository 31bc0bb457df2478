package com.clickhouse.analytics.writer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;

import org.junit.jupiter.api.Test;

class RowBinaryOutputTest {

    private static byte[] encode(IoConsumer write) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        RowBinaryOutput out = new RowBinaryOutput(bytes, 64);
        write.accept(out);
        out.flush();
        return bytes.toByteArray();
    }

    interface IoConsumer {
        void accept(RowBinaryOutput out) throws IOException;
    }

    @Test
    void stringsAreVarintLengthThenUtf8AcrossBufferBoundaries() throws IOException {
        for (String s : new String[] {"", "abc", "é€😀", "x".repeat(200), "ü".repeat(100) + "😀".repeat(40)}) {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            byte[] encoded = encode(out -> out.writeString(s));
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            long v = utf8.length;
            while ((v & ~0x7F) != 0) {
                expected.write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            expected.write((int) v);
            expected.writeBytes(utf8);
            assertArrayEquals(expected.toByteArray(), encoded, s);
        }
    }

    @Test
    void uuidIsTwoLittleEndianHalves() throws IOException {
        byte[] b = encode(out -> out.writeUuid(new UUID(0x0102030405060708L, 0x090A0B0C0D0E0F10L)));
        assertArrayEquals(new byte[] {8, 7, 6, 5, 4, 3, 2, 1, 0x10, 0x0F, 0x0E, 0x0D, 0x0C, 0x0B, 0x0A, 9}, b);
    }

    @Test
    void dateTime64IsTicksOfThePrecision() throws IOException {
        byte[] b = encode(out -> out.writeDateTime64(Instant.ofEpochSecond(1, 234_567_000), 6));
        long ticks = 0;
        for (int i = 7; i >= 0; i--) {
            ticks = (ticks << 8) | (b[i] & 0xFF);
        }
        assertEquals(1_234_567, ticks);
    }

    @Test
    void columnTypesParseFromServerNames() {
        assertEquals(ColumnType.Kind.STRING, ColumnType.parse("LowCardinality(String)").orElseThrow().kind());
        ColumnType sentAt = ColumnType.parse("Nullable(DateTime64(6, 'UTC'))").orElseThrow();
        assertEquals(ColumnType.Kind.DATETIME64, sentAt.kind());
        assertEquals(6, sentAt.precision());
        assertEquals(true, sentAt.nullable());
        assertEquals(ColumnType.Kind.INT8, ColumnType.parse("Int8").orElseThrow().kind());
        assertEquals(true, ColumnType.parse("Map(String, String)").isEmpty());
    }
}
