package com.clickhouse.analytics.writer.clickhouse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;

import com.clickhouse.analytics.testkit.TestSeed;
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
    void shortAndLongStringsInOneStreamMatchTheJdkEncoderForEveryBufferSize() throws IOException {
        java.util.Random random = new java.util.Random(TestSeed.seed(42));
        java.util.List<String> strings = new java.util.ArrayList<>();
        for (int length : new int[] {0, 1, 31, 62, 63, 64, 65, 100, 127, 128, 129, 300, 5_000}) {
            strings.add("a".repeat(length));
            strings.add(randomText(random, length));
        }
        strings.add("x".repeat(70) + "\uD800" + "y".repeat(70)); // lone surrogates: '?' both ways
        strings.add("\uDC00" + "z".repeat(80) + "\uD83D");
        for (int bufferSize : new int[] {64, 100, 1024, 64 * 1024}) {
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            ByteArrayOutputStream actual = new ByteArrayOutputStream();
            RowBinaryOutput out = new RowBinaryOutput(actual, bufferSize);
            for (String s : strings) {
                byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
                for (long v = utf8.length; ; v >>>= 7) {
                    if ((v & ~0x7FL) == 0) {
                        expected.write((int) v);
                        break;
                    }
                    expected.write((int) ((v & 0x7F) | 0x80));
                }
                expected.writeBytes(utf8);
                out.writeString(s);
                out.writeByte(0x5A); // something after each string, to catch an offset error
                expected.write(0x5A);
            }
            out.flush();
            assertArrayEquals(expected.toByteArray(), actual.toByteArray(), "buffer " + bufferSize);
            assertEquals(expected.size(), out.written(), "buffer " + bufferSize);
        }
    }

    private static String randomText(java.util.Random random, int length) {
        StringBuilder sb = new StringBuilder();
        while (sb.length() < length) {
            switch (random.nextInt(5)) {
                case 0 -> sb.append((char) (0x80 + random.nextInt(0x780)));
                case 1 -> sb.append((char) (0x800 + random.nextInt(0xD000)));
                case 2 -> sb.appendCodePoint(0x10000 + random.nextInt(0x100000));
                case 3 -> sb.append((char) (0xD800 + random.nextInt(0x800))); // a lone surrogate, mostly
                default -> sb.append((char) random.nextInt(0x80));
            }
        }
        return sb.toString();
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
