package com.clickhouse.analytics.schema.record;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EventCodecTest {

    private final EventCodec codec = new EventCodec();

    static Event sample() {
        return new Event(UUID.fromString("0192f1c2-7a3b-7c4d-8e5f-0123456789ab"), "phc_key", "$pageview", "user-1",
                "{\"$current_url\":\"https://example.com/a\",\"n\":1}",
                Instant.parse("2026-11-24T10:00:00.123Z"), Instant.parse("2026-11-24T10:00:01Z"),
                Instant.parse("2026-11-24T10:00:01.500Z"), "203.0.113.7", "Mozilla/5.0",
                PassThrough.NONE.with(RecordField.SESSION_ID, "sess-1").with(RecordField.WINDOW_ID, "win-1")
                        .with(RecordField.CURRENT_URL, "https://example.com/a").with(RecordField.HOST, "example.com")
                        .with(RecordField.SET, "{\"email\":\"a@example.com\"}").with(RecordField.ANON_DISTINCT_ID, "anon-1"));
    }

    @Test
    void roundTripsEveryField() throws Exception {
        Event event = sample();
        byte[] bytes = codec.encode(event);
        assertEquals(event, codec.decode(bytes));
        assertArrayEquals(bytes, codec.encode(codec.decode(bytes)));
        assertTrue(new String(bytes, StandardCharsets.UTF_8).startsWith("{\"v\":1,\"uuid\":\"0192f1c2"));
    }

    @Test
    void ignoresUnknownFields() throws Exception {
        String json = new String(codec.encode(sample()), StandardCharsets.UTF_8)
                .replace("{\"v\":1,", "{\"v\":1,\"future\":{\"x\":[1,2]},");
        assertEquals(sample(), codec.decode(json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void duplicateNamesInRawObjectsAreKeptAsSentAndTheLastTopLevelFieldWins() throws Exception {
        Event sample = sample();
        String json = new String(codec.encode(sample), StandardCharsets.UTF_8)
                .replace("\"properties\":{", "\"properties\":{\"plan\":\"free\",\"plan\":\"pro\",")
                .replace("{\"v\":1,", "{\"v\":1,\"event\":\"overridden\",");
        Event decoded = codec.decode(json.getBytes(StandardCharsets.UTF_8));
        assertTrue(decoded.properties().startsWith("{\"plan\":\"free\",\"plan\":\"pro\","), decoded.properties());
        assertEquals(sample.event(), decoded.event(), "the field written later wins");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "", "not json", "[]", "{\"v\":2,\"uuid\":\"0192f1c2-7a3b-7c4d-8e5f-0123456789ab\",\"event\":\"e\",\"distinct_id\":\"d\",\"timestamp\":\"2026-11-24T10:00:00Z\"}",
            "{\"uuid\":\"0192f1c2-7a3b-7c4d-8e5f-0123456789ab\",\"event\":\"e\",\"distinct_id\":\"d\",\"timestamp\":\"2026-11-24T10:00:00Z\"}",
            "{\"v\":1,\"event\":\"e\",\"distinct_id\":\"d\",\"timestamp\":\"2026-11-24T10:00:00Z\"}",
            "{\"v\":1,\"uuid\":\"nope\",\"event\":\"e\",\"distinct_id\":\"d\",\"timestamp\":\"2026-11-24T10:00:00Z\"}",
            "{\"v\":1,\"uuid\":\"0192f1c2-7a3b-7c4d-8e5f-0123456789ab\",\"distinct_id\":\"d\",\"timestamp\":\"2026-11-24T10:00:00Z\"}",
            "{\"v\":1,\"uuid\":\"0192f1c2-7a3b-7c4d-8e5f-0123456789ab\",\"event\":\"e\",\"timestamp\":\"2026-11-24T10:00:00Z\"}",
            "{\"v\":1,\"uuid\":\"0192f1c2-7a3b-7c4d-8e5f-0123456789ab\",\"event\":\"e\",\"distinct_id\":\"d\"}",
            "{\"v\":1,\"uuid\":\"0192f1c2-7a3b-7c4d-8e5f-0123456789ab\",\"event\":\"e\",\"distinct_id\":\"d\",\"timestamp\":\"yesterday\"}",
            "{\"v\":1,\"uuid\":\"0192f1c2-7a3b-7c4d-8e5f-0123456789ab\",\"event\":\"e\",\"distinct_id\":\"d\",\"timestamp\":\"2026-11-24T10:00:00Z\",\"properties\":[1]}",
            "{\"v\":1,\"uuid\":\"0192f1c2-7a3b-7c4d-8e5f-0123456789ab\",\"event\":\"e\",\"distinct_id\":\"d\",\"timestamp\":\"2026-11-24T10:00:00Z\"} trailing",
            "{\"v\":1,\"uuid\":\"0192f1c2-7a3b-7c4d-8e5f-0123456789ab\",\"event\":\"e\"",
    })
    void rejectsDefectiveRecordsWithATypedError(String json) {
        var error = assertThrows(EventDecodingException.class, () -> codec.decode(json.getBytes(StandardCharsets.UTF_8)));
        assertTrue(error.getMessage() != null && !error.getMessage().isBlank());
    }

    @Test
    void partitionKeyJoinsApiKeyAndDistinctId() {
        assertArrayEquals("phc_key:user-1".getBytes(StandardCharsets.UTF_8), sample().partitionKey());
    }
}
