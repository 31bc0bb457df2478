package com.clickhouse.analytics.schema.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import com.clickhouse.analytics.testkit.TestSeed;
import org.junit.jupiter.api.Test;

/**
 * The codec takes the bytes of a canonical raw object ({@code properties}, {@code $set},
 * {@code $set_once}) as they are and re-emits only the others: both ways must give exactly the
 * same event, or the same refusal, for canonical, non-canonical, hostile and corrupted records.
 */
class EventCodecSliceTest {

    private static final long SEED = TestSeed.seed(0x511CE_C0DEL);

    private final EventCodec sliced = new EventCodec();
    private final EventCodec reEmitted = new EventCodec(false);

    @Test
    void randomCanonicalEventsDecodeTheSameBothWays() {
        Random random = new Random(SEED);
        for (int i = 0; i < 3_000; i++) {
            assertSameOutcome(sliced.encode(EventCodecPropertyTest.randomEvent(random)), "seed " + SEED + " case " + i);
        }
    }

    @Test
    void corruptedRecordsDecodeOrFailTheSameBothWays() {
        Random random = new Random(SEED + 1);
        for (int i = 0; i < 20_000; i++) {
            byte[] bytes = sliced.encode(EventCodecPropertyTest.randomEvent(random));
            for (int flips = 1 + random.nextInt(3); flips > 0; flips--) {
                int at = random.nextInt(bytes.length);
                bytes[at] = switch (random.nextInt(4)) {
                    case 0 -> (byte) random.nextInt(256);
                    case 1 -> (byte) (0x80 + random.nextInt(0x80)); // a stray or broken UTF-8 byte
                    case 2 -> (byte) " \\u/\"{}[],:".charAt(random.nextInt(11));
                    default -> (byte) "0123456789abcdefABCDEF".charAt(random.nextInt(22));
                };
            }
            assertSameOutcome(bytes, "seed " + (SEED + 1) + " mutation " + i);
        }
    }

    @Test
    void nonCanonicalAndHostileObjectsDecodeTheSameBothWays() {
        List<String> objects = List.of(
                "{}", "{ }", "{\"a\":1}", "{ \"a\" : 1 }", "{\"a\":\n1}", "{\"a\":\t[1, 2]}", "{\"a\":\"x y\"}",
                "{\"a\":\"\\u00e9\"}", "{\"a\":\"\\u00E9\"}", "{\"a\":\"\\u0000\"}", "{\"a\":\"\\u001F\"}", "{\"a\":\"\\u001f\"}",
                "{\"a\":\"\\n\\t\\r\\b\\f\\\"\\\\\"}", "{\"a\":\"\\/\"}", "{\"\\u0061\":1}", "{\"a\":\"\\ud800\"}",
                "{\"a\":\"\\ud83d\\ude00\"}", "{\"a\":\"\\udfff\\ud800\"}", "{\"a\":\"\uD83D\uDE00\"}", "{\"a\":\"\uFFFD\"}",
                "{\"a\":\"é\",\"b\":\"\uFFFD\"}", "{\"a\":[-0,1E400,2.50,0.1000000000000000055511151231257827,123456789012345678901234567890]}",
                "{\"a\":{\"b\":{\"c\":[{},[],null,true,false]}}}", "{\"a\":1,\"a\":2}", "{\"a\":1,}", "{\"a\":01}",
                "{\"a\":NaN}", "{\"a\":'x'}", "{a:1}", "{\"a\":1", "{\"a\":\"\u0001\"}", "[1]", "\"x\"", "1", "null");
        for (String object : objects) {
            for (String field : List.of("properties", "$set", "$set_once")) {
                assertSameOutcome(record(field, object.getBytes(StandardCharsets.UTF_8)), field + " = " + object);
            }
        }
    }

    @Test
    void malformedUtf8InsideObjectsDecodesTheSameBothWays() {
        byte[][] inserts = {
                {(byte) 0xC0, (byte) 0x80}, {(byte) 0xC3}, {(byte) 0xA9}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                {(byte) 0xED, (byte) 0xBF, (byte) 0xBF}, {(byte) 0xE2, (byte) 0x82}, {(byte) 0xF0, (byte) 0x9F, (byte) 0x98},
                {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80},
                {(byte) 0xFF}, {(byte) 0xEF, (byte) 0xBF, (byte) 0xBD}, {(byte) 0xC3, (byte) 0xA9},
                {(byte) 0xF0, (byte) 0x9F, (byte) 0x98, (byte) 0x80}, {(byte) 0xE0, (byte) 0x80, (byte) 0xAF}};
        for (byte[] insert : inserts) {
            ByteArrayOutputStream object = new ByteArrayOutputStream();
            object.writeBytes("{\"k\":\"a".getBytes(StandardCharsets.UTF_8));
            object.writeBytes(insert);
            object.writeBytes("b\"}".getBytes(StandardCharsets.UTF_8));
            assertSameOutcome(record("properties", object.toByteArray()), "bytes " + java.util.HexFormat.of().formatHex(insert));
        }
    }

    @Test
    void aByteOrderMarkBeforeTheRecordDoesNotShiftTheSlice() {
        byte[] record = record("properties", "{\"a\":\"é\"}".getBytes(StandardCharsets.UTF_8));
        byte[] withBom = new byte[record.length + 3];
        withBom[0] = (byte) 0xEF;
        withBom[1] = (byte) 0xBB;
        withBom[2] = (byte) 0xBF;
        System.arraycopy(record, 0, withBom, 3, record.length);
        assertSameOutcome(withBom, "BOM");
    }

    @Test
    void canonicalSlicesAreTakenAsTheyAreAndOthersAreNot() {
        assertEquals("{\"a\":[1,2.50,\"é\\n\"]}", slice("{\"a\":[1,2.50,\"é\\n\"]}"));
        assertNull(slice("{\"a\": 1}"));
        assertNull(slice("{\"a\":\"\\u0041\"}"));
        assertNull(slice("{\"a\":\"\\/\"}"));
        assertNull(slice("{\"a\":\"\uFFFD\"}"));
        assertEquals("{\"a\":\" \\\" \\\\u \"}", slice("{\"a\":\" \\\" \\\\u \"}"), "an escaped backslash before u is no escape");
    }

    @Test
    void aCanonicalObjectIsKeptByteForByte() throws Exception {
        String properties = "{\"$current_url\":\"https://example.com/\",\"n\":[1,2.50],\"é\":\"\uD83D\uDE00\"}";
        Event event = sliced.decode(record("properties", properties.getBytes(StandardCharsets.UTF_8)));
        assertEquals(properties, event.properties());
    }

    private static String slice(String object) {
        byte[] bytes = ("xx" + object + "yy").getBytes(StandardCharsets.UTF_8);
        return EventCodec.canonicalSlice(bytes, 2, bytes.length - 2);
    }

    private static byte[] record(String field, byte[] object) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(("{\"v\":1,\"uuid\":\"0192f1c2-7a3b-7c4d-8e5f-0123456789ab\",\"event\":\"e\",\"distinct_id\":\"d\","
                + "\"timestamp\":\"2026-11-24T10:00:00Z\",\"" + field + "\":").getBytes(StandardCharsets.UTF_8));
        out.writeBytes(object);
        out.writeBytes(",\"ip\":\"1.2.3.4\"}".getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    private void assertSameOutcome(byte[] bytes, String where) {
        Event expected = decodeOrNull(reEmitted, bytes, where);
        Event actual = decodeOrNull(sliced, bytes, where);
        assertEquals(expected, actual, where);
        if (expected != null) {
            assertNotNull(actual, where);
        }
    }

    private static Event decodeOrNull(EventCodec codec, byte[] bytes, String where) {
        try {
            return codec.decode(bytes);
        } catch (EventDecodingException e) {
            return null;
        } catch (RuntimeException e) {
            fail(where + ": untyped " + e, e);
            return null;
        }
    }
}
