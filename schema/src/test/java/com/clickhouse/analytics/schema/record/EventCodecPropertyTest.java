package com.clickhouse.analytics.schema.record;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Random;
import java.util.UUID;

import com.clickhouse.analytics.testkit.TestSeed;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import org.junit.jupiter.api.Test;

/**
 * Properties of {@link EventCodec} over many seeded random events and over hostile text. A failure
 * names the seed and the case so it can be replayed.
 */
class EventCodecPropertyTest {

    private static final long SEED = TestSeed.seed(0x5EED_C0DECL);
    private static final int CASES = 3_000;
    private static final String ONE_MB = "x".repeat(1 << 20);

    private final EventCodec codec = new EventCodec();

    @Test
    void randomEventsRoundTripExactlyAndTheirBytesAreStable() throws Exception {
        Random random = new Random(SEED);
        for (int i = 0; i < CASES; i++) {
            Event event = randomEvent(random);
            String where = "seed " + SEED + " case " + i;
            byte[] bytes = codec.encode(event);
            assertValidUtf8(bytes, where);
            Event decoded = codec.decode(bytes);
            assertEquals(event, decoded, where);
            assertArrayEquals(bytes, codec.encode(decoded), where);
        }
    }

    @Test
    void nonCanonicalJsonObjectsAreNormalizedOnceThenStable() throws Exception {
        Event event = withProperties("{ \"a\" : [ 1 , 2.50 , \"\\u00e9\\/\" ] ,\n\t\"b\" : { } , \"c\":\"\\ud83d\\ude00\" ,"
                + " \"n\" : [-0, 1E400, 0.1000000000000000055511151231257827, 123456789012345678901234567890] }");
        byte[] first = codec.encode(codec.decode(codec.encode(event)));
        assertArrayEquals(first, codec.encode(codec.decode(first)));
        assertEquals("{\"a\":[1,2.50,\"é/\"],\"b\":{},\"c\":\"\uD83D\uDE00\","
                + "\"n\":[-0,1E400,0.1000000000000000055511151231257827,123456789012345678901234567890]}",
                codec.decode(first).properties(), "numbers keep their digits");
    }

    @Test
    void nulAndControlCharactersSurviveInEveryKindOfField() throws Exception {
        String hostile = "a\u0000b\u0001\u001f\u007f\"\\\n\r\t\u2028\u2029end";
        Event event = everyTextField(hostile, jsonObjectWith(hostile));
        byte[] bytes = codec.encode(event);
        assertValidUtf8(bytes, "control characters");
        assertFalse(contains(bytes, (byte) 0), "NUL is escaped, never a raw byte");
        Event decoded = codec.decode(bytes);
        assertEquals(event, decoded);
        assertArrayEquals(bytes, codec.encode(decoded));
    }

    @Test
    void emojiAndOtherSupplementaryCharactersSurviveAsUtf8() throws Exception {
        String emoji = "👍🏽 家族 👨‍👩‍👧 \uD834\uDD1E \uDBFF\uDFFF";
        Event event = everyTextField(emoji, jsonObjectWith(emoji));
        byte[] bytes = codec.encode(event);
        assertValidUtf8(bytes, "emoji");
        assertTrue(new String(bytes, StandardCharsets.UTF_8).contains("👍🏽"), "written as UTF-8, not as escapes");
        Event decoded = codec.decode(bytes);
        assertEquals(event, decoded);
        assertArrayEquals(bytes, codec.encode(decoded));
    }

    @Test
    void loneSurrogatesAreReplacedByTheReplacementCharacterEverywhere() throws Exception {
        String[] hostile = {"cut\uD83D", "\uDE00tail", "mid\uD800dle", "\uDC00\uD800", "\uD83D\uD83D\uDE00"};
        String[] expected = {"cut\uFFFD", "\uFFFDtail", "mid\uFFFDdle", "\uFFFD\uFFFD", "\uFFFD\uD83D\uDE00"};
        for (int k = 0; k < hostile.length; k++) {
            Event event = everyTextField(hostile[k], jsonObjectWith(hostile[k]));
            byte[] bytes = codec.encode(event);
            assertValidUtf8(bytes, "case " + k);
            Event decoded = codec.decode(bytes);
            assertEquals(everyTextField(expected[k], jsonObjectWith(expected[k])), decoded, "case " + k);
            assertArrayEquals(bytes, codec.encode(decoded), "case " + k);
        }
    }

    @Test
    void escapedLoneSurrogatesInsideJsonObjectsAreReplacedButValidEscapesAreKept() throws Exception {
        Event event = withProperties("{\"lone\":\"a\\ud800b\",\"low\":\"\\uDC00\",\"pair\":\"\\ud83d\\ude00\",\"notAnEscape\":\"\\\\ud800\"}");
        Event decoded = codec.decode(codec.encode(event));
        assertEquals("{\"lone\":\"a\uFFFDb\",\"low\":\"\uFFFD\",\"pair\":\"\uD83D\uDE00\",\"notAnEscape\":\"\\\\ud800\"}",
                decoded.properties());
    }

    @Test
    void recordsFromOtherProducersWithEscapedLoneSurrogatesDecodeToTheReplacementCharacter() throws Exception {
        String json = "{\"v\":1,\"uuid\":\"0192f1c2-7a3b-7c4d-8e5f-0123456789ab\",\"event\":\"e\\ud800\","
                + "\"distinct_id\":\"\\udfff\",\"timestamp\":\"2026-11-24T10:00:00Z\",\"properties\":{\"k\":\"\\ud800\"}}";
        Event decoded = codec.decode(json.getBytes(StandardCharsets.UTF_8));
        assertEquals("e\uFFFD", decoded.event());
        assertEquals("\uFFFD", decoded.distinctId());
        assertEquals("{\"k\":\"\uFFFD\"}", decoded.properties());
    }

    @Test
    void oneMegabyteValuesSurviveInEveryKindOfField() throws Exception {
        Event event = everyTextField(ONE_MB + "é👍", jsonObjectWith(ONE_MB + "é👍"));
        byte[] bytes = codec.encode(event);
        assertTrue(bytes.length > 15 * (1 << 20), "all fields carried");
        Event decoded = codec.decode(bytes);
        assertEquals(event, decoded);
        assertArrayEquals(bytes, codec.encode(decoded));
    }

    @Test
    void propertyNamesOverTheNameLimitAreRefusedWithAClearError() throws Exception {
        String longName = "n".repeat(EventCodec.READ_LIMITS.getMaxNameLength() + 1);
        byte[] bytes = codec.encode(withProperties("{\"" + longName + "\":1}"));
        var error = org.junit.jupiter.api.Assertions.assertThrows(EventDecodingException.class, () -> codec.decode(bytes));
        assertTrue(error.getMessage().contains("Name length"), error.getMessage());
        String atLimit = "n".repeat(EventCodec.READ_LIMITS.getMaxNameLength());
        assertEquals("{\"" + atLimit + "\":1}", codec.decode(codec.encode(withProperties("{\"" + atLimit + "\":1}"))).properties());
    }

    @Test
    void corruptedRecordsFailWithTheTypedErrorOnly() {
        Random random = new Random(SEED + 1);
        byte[] valid = codec.encode(randomEvent(random));
        int decodedAnyway = 0;
        for (int cut = 0; cut < valid.length; cut++) {
            byte[] truncated = java.util.Arrays.copyOf(valid, cut);
            decodedAnyway += decodesOrFailsTyped(truncated, "truncated at " + cut) ? 1 : 0;
        }
        assertEquals(0, decodedAnyway, "no strict prefix of a record is a record");
        for (int i = 0; i < CASES; i++) {
            byte[] mutated = valid.clone();
            for (int flips = 1 + random.nextInt(3); flips > 0; flips--) {
                mutated[random.nextInt(mutated.length)] = (byte) random.nextInt(256);
            }
            decodesOrFailsTyped(mutated, "seed " + (SEED + 1) + " mutation " + i);
        }
    }

    private boolean decodesOrFailsTyped(byte[] bytes, String where) {
        try {
            Event event = codec.decode(bytes);
            assertNotNull(event.uuid(), where);
            return true;
        } catch (EventDecodingException e) {
            assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), where);
            return false;
        } catch (RuntimeException e) {
            fail(where + ": untyped " + e, e);
            return false;
        }
    }

    // ---- generators

    static Event randomEvent(Random r) {
        return new Event(new UUID(r.nextLong(), r.nextLong()), text(r, 40), text(r, 30), text(r, 60), randomObject(r, 0),
                instant(r), r.nextBoolean() ? instant(r) : null, instant(r),
                optional(r, 40), optional(r, 120), randomPassThrough(r));
    }

    /** Every pass-through field of the table, by its kind: a new field is covered without a change here. */
    static PassThrough randomPassThrough(Random r) {
        String[] values = PassThrough.newValues();
        for (RecordField f : RecordField.PASS_THROUGH) {
            values[f.slot()] = f.kind() == RecordField.Kind.JSON_OBJECT
                    ? (r.nextInt(4) == 0 ? randomObject(r, 2) : null)
                    : optional(r, f == RecordField.CURRENT_URL ? 200 : f == RecordField.ELEMENTS_CHAIN ? 300 : 40);
        }
        return PassThrough.adopt(values);
    }

    /** Every pass-through field set: strings to {@code text}, raw objects to {@code object}. */
    static PassThrough everyPassThrough(String text, String object) {
        String[] values = PassThrough.newValues();
        for (RecordField f : RecordField.PASS_THROUGH) {
            values[f.slot()] = f.kind() == RecordField.Kind.JSON_OBJECT ? object : text;
        }
        return PassThrough.adopt(values);
    }

    private static String optional(Random r, int maxLength) {
        return r.nextInt(3) == 0 ? null : text(r, maxLength);
    }

    private static Instant instant(Random r) {
        long seconds = Instant.parse("2000-01-01T00:00:00Z").getEpochSecond() + (long) (r.nextDouble() * 100 * 365 * 86_400);
        return Instant.ofEpochSecond(seconds, r.nextInt(4) == 0 ? 0 : r.nextInt(1_000_000_000));
    }

    /** Valid Unicode (no lone surrogates) with a good share of characters JSON must escape. */
    static String text(Random r, int maxLength) {
        int length = r.nextInt(maxLength + 1);
        StringBuilder sb = new StringBuilder(length * 2);
        for (int i = 0; i < length; i++) {
            switch (r.nextInt(10)) {
                case 0 -> sb.append((char) r.nextInt(0x20));                          // control, NUL included
                case 1 -> sb.append("\"\\/'".charAt(r.nextInt(4)));
                case 2 -> sb.append((char) (0x80 + r.nextInt(0xD800 - 0x80)));       // BMP below surrogates
                case 3 -> sb.append((char) (0xE000 + r.nextInt(0x10000 - 0xE000)));  // BMP above surrogates
                case 4 -> sb.appendCodePoint(0x10000 + r.nextInt(0x10FFFF - 0x10000 + 1));
                default -> sb.append((char) (0x20 + r.nextInt(0x5F)));               // printable ASCII
            }
        }
        return sb.toString();
    }

    /** A compact JSON object as the codec itself writes one (Jackson, writer-based). */
    static String randomObject(Random r, int depth) {
        StringWriter out = new StringWriter();
        try (JsonGenerator gen = new JsonFactory().createGenerator(out)) {
            writeObject(gen, r, depth);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static void writeObject(JsonGenerator gen, Random r, int depth) throws IOException {
        gen.writeStartObject();
        int fields = r.nextInt(6);
        java.util.Set<String> names = new java.util.HashSet<>();
        for (int i = 0; i < fields; i++) {
            String name = text(r, 12);
            if (!names.add(name)) {
                continue; // unique names: a re-emitted object keeps duplicates, but the generator here writes none
            }
            gen.writeFieldName(name);
            writeValue(gen, r, depth);
        }
        gen.writeEndObject();
    }

    private static void writeValue(JsonGenerator gen, Random r, int depth) throws IOException {
        switch (r.nextInt(depth < 3 ? 8 : 6)) {
            case 0 -> gen.writeString(text(r, 50));
            case 1 -> gen.writeNumber(r.nextLong());
            case 2 -> gen.writeNumber(r.nextDouble() * 1e6);
            case 3 -> gen.writeBoolean(r.nextBoolean());
            case 4 -> gen.writeNull();
            case 5 -> gen.writeString("$" + text(r, 10));
            case 6 -> writeObject(gen, r, depth + 1);
            default -> {
                gen.writeStartArray();
                for (int i = r.nextInt(4); i > 0; i--) {
                    writeValue(gen, r, depth + 1);
                }
                gen.writeEndArray();
            }
        }
    }

    /** An object holding {@code value} as a value and, when short enough to be a name, as a name. */
    private static String jsonObjectWith(String value) {
        StringWriter out = new StringWriter();
        try (JsonGenerator gen = new JsonFactory().createGenerator(out)) {
            gen.writeStartObject();
            gen.writeStringField("k", value);
            if (value.length() <= EventCodec.READ_LIMITS.getMaxNameLength()) {
                gen.writeStringField(value, "v");
            }
            gen.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static Event everyTextField(String s, String object) {
        return new Event(UUID.fromString("0192f1c2-7a3b-7c4d-8e5f-0123456789ab"), s, s, s, object,
                Instant.parse("2026-11-24T10:00:00.123456Z"), null, Instant.parse("2026-11-24T10:00:01Z"),
                s, s, everyPassThrough(s, object));
    }

    private static Event withProperties(String properties) {
        Event e = EventCodecTest.sample();
        return new Event(e.uuid(), e.apiKey(), e.event(), e.distinctId(), properties, e.timestamp(), e.sentAt(), e.receivedAt(),
                e.ip(), e.userAgent(), e.passThrough());
    }

    private static void assertValidUtf8(byte[] bytes, String where) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
        } catch (CharacterCodingException e) {
            fail(where + ": record is not valid UTF-8: " + e);
        }
    }

    private static boolean contains(byte[] bytes, byte wanted) {
        for (byte b : bytes) {
            if (b == wanted) {
                return true;
            }
        }
        return false;
    }
}
