package com.clickhouse.analytics.schema.record;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Random;
import java.util.UUID;

import com.clickhouse.analytics.testkit.TestSeed;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import org.junit.jupiter.api.Test;

/**
 * {@link EventWriter} writes exactly the bytes a Jackson generator writes for the same event: the
 * generator is the reference (it is what the codec used before, and what the canonical-slice check
 * on decode assumes).
 */
class EventWriterTest {

    private static final long SEED = TestSeed.seed(0xE7E7_0001L);
    private static final JsonFactory JACKSON = JsonFactory.builder().enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8).build();

    private final EventWriter writer = new EventWriter();

    @Test
    void verbatimBytesAreCopiedForTheVeryStringsTheyWereAddedFor() {
        Event base = EventCodecPropertyTest.randomEvent(new Random(SEED + 3));
        String name = new String("$pageview".toCharArray());
        String properties = new String("{\"a\":1}".toCharArray());
        Event event = new Event(base.uuid(), base.apiKey(), name, "d", properties, base.timestamp(), null, base.receivedAt(),
                null, null, null);
        // Bytes that differ from what the writer would write show whether it copied them.
        byte[] source = "..NAME..{\"b\":2}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Verbatim verbatim = new Verbatim(source);
        verbatim.add(name, 2, 6);
        verbatim.add(properties, 8, 15);
        verbatim.add(new String("d".toCharArray()), 0, 2); // an equal string, not the event's instance
        String record = new String(writer.write(event, verbatim), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(record.contains("\"event\":\"NAME\",\"distinct_id\":\"d\",\"properties\":{\"b\":2}"), record);
        assertArrayEquals(jackson(event), writer.write(event), "and without verbatim bytes, the writer's own");
        assertArrayEquals(jackson(event), writer.write(event, new Verbatim(source)), "an empty verbatim");
    }

    @Test
    void randomEventsAreWrittenByteForByteAsJacksonWritesThem() {
        Random random = new Random(SEED);
        for (int i = 0; i < 5_000; i++) {
            Event event = EventCodecPropertyTest.randomEvent(random);
            assertArrayEquals(jackson(event), writer.write(event), "seed " + SEED + " case " + i);
        }
    }

    @Test
    void everyCharacterClassAndLoneSurrogatesMatchTheReference() {
        String[] texts = {"", "plain", "a\u0000b\u0001\u001f\u007f\"\\/\n\r\t\b\f\u2028end", "é家👍🏽\uDBFF\uDFFF",
            "cut\uD83D", "\uDE00tail", "\uDC00\uD800", "\uD83D\uD83D\uDE00", "\u0080\u07FF\u0800\uFFFF", "why?\uD800?", "??", "?\uDFFF", "ascii?with=query&x"};
        for (String text : texts) {
            String escaped = text.replace("\\", "\\\\").replace("\"", "\\\"");
            // With an escaped lone surrogate in the object, and without (the writer's all-ASCII copy).
            String object = "{\"k\":\"" + escaped + "\",\"e\":\"\\ud800\\\\u\"}";
            String plainObject = "{\"k\":\"" + escaped + "\"}";
            Event event = new Event(UUID.fromString("0192f1c2-7a3b-7c4d-8e5f-0123456789ab"), text, text, text, object,
                    Instant.parse("2026-11-24T10:00:00.123456Z"), Instant.parse("-10000-01-01T00:00:00Z"), Instant.EPOCH,
                    text, text, EventCodecPropertyTest.everyPassThrough(text, object));
            assertArrayEquals(jackson(event), writer.write(event), text);
            Event plain = new Event(event.uuid(), text, text, text, plainObject, event.timestamp(), null, event.receivedAt(),
                    null, null, PassThrough.NONE.with(RecordField.SET, plainObject).with(RecordField.SET_ONCE, plainObject));
            assertArrayEquals(jackson(plain), writer.write(plain), text);
        }
    }

    @Test
    void instantsWithinOneSecondReuseTheTextUpToTheSecondCorrectly() {
        Event base = EventCodecPropertyTest.randomEvent(new Random(SEED + 2));
        long second = Instant.parse("2026-11-24T10:00:00Z").getEpochSecond();
        int[] nanos = {0, 123_000_000, 123_456_000, 1, 0, 999_999_999, 5_000_000, 5_000_000};
        long[] seconds = {second, second, second, second, second + 1, second + 1, second, -99_999_999_999L};
        for (int i = 0; i < nanos.length; i++) {
            Instant at = Instant.ofEpochSecond(seconds[i], nanos[i]);
            Event event = new Event(base.uuid(), base.apiKey(), base.event(), base.distinctId(), base.properties(), at, at, at,
                    null, null, null);
            assertArrayEquals(jackson(event), writer.write(event), at.toString());
        }
    }

    @Test
    void stringsSharedByARequestsEventsAreWrittenOnceAndStillMatch() {
        Random random = new Random(SEED + 3);
        String userAgent = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 \"quoted\" ünïcode 👍";
        String[] agents = {userAgent, userAgent, new String(userAgent), "other agent", userAgent, "x".repeat(5000), "x".repeat(5000)};
        for (int i = 0; i < agents.length; i++) {
            Event e = EventCodecPropertyTest.randomEvent(random);
            Event event = new Event(e.uuid(), i % 2 == 0 ? "phc_key" : "phc_other", e.event(), e.distinctId(), e.properties(),
                    e.timestamp(), e.sentAt(), e.receivedAt(), i < 3 ? "10.0.0.1" : null, agents[i], null);
            assertArrayEquals(jackson(event), writer.write(event), "event " + i);
        }
    }

    @Test
    void bigValuesGrowTheBufferAndLaterEventsAreUnaffected() {
        Random random = new Random(SEED + 1);
        String big = "x\u0001é".repeat(200_000);
        Event huge = EventCodecPropertyTest.randomEvent(random);
        huge = new Event(huge.uuid(), big, big, big, "{\"big\":\"" + big.replace("\u0001", "\\u0001") + "\"}", huge.timestamp(),
                null, huge.receivedAt(), big, null, null);
        assertArrayEquals(jackson(huge), writer.write(huge));
        Event small = EventCodecPropertyTest.randomEvent(random);
        assertArrayEquals(jackson(small), writer.write(small));
    }

    /** The reference: the same fields through Jackson's UTF-8 generator. */
    private static byte[] jackson(Event e) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator gen = JACKSON.createGenerator(out)) {
            gen.writeStartObject();
            gen.writeNumberField("v", EventCodec.VERSION);
            gen.writeStringField("uuid", e.uuid().toString());
            gen.writeStringField("api_key", LoneSurrogates.replaceIn(e.apiKey()));
            gen.writeStringField("event", LoneSurrogates.replaceIn(e.event()));
            gen.writeStringField("distinct_id", LoneSurrogates.replaceIn(e.distinctId()));
            gen.writeFieldName("properties");
            gen.writeRawValue(LoneSurrogates.replaceInJson(e.properties()));
            gen.writeStringField("timestamp", e.timestamp().toString());
            if (e.sentAt() != null) {
                gen.writeStringField("sent_at", e.sentAt().toString());
            }
            gen.writeStringField("received_at", e.receivedAt().toString());
            optional(gen, "ip", e.ip());
            optional(gen, "user_agent", e.userAgent());
            // The pass-through fields in table order (RecordFieldTest pins the v1 layout of the original ones).
            for (RecordField f : RecordField.PASS_THROUGH) {
                String value = e.get(f);
                if (value != null && f.kind() == RecordField.Kind.JSON_OBJECT) {
                    gen.writeFieldName(f.key());
                    gen.writeRawValue(LoneSurrogates.replaceInJson(value));
                } else {
                    optional(gen, f.key(), value);
                }
            }
            gen.writeEndObject();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return out.toByteArray();
    }

    private static void optional(JsonGenerator gen, String name, String value) throws IOException {
        if (value != null) {
            gen.writeStringField(name, LoneSurrogates.replaceIn(value));
        }
    }
}
