package com.clickhouse.analytics.gateway.normalize;

import java.time.Instant;

import com.clickhouse.analytics.gateway.GatewayError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class EventTimestampsTest {

    static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");

    @ParameterizedTest(name = "ts={0} offset={1} sent_at={2} -> {3}")
    @CsvSource(nullValues = "-", value = {
            // client clock 10 s ahead: event 1 h before sending happened 1 h before receipt
            "2026-01-01T11:00:10Z, -, 2026-01-01T12:00:10Z, 2026-01-01T11:00:00Z",
            // client clock 10 s behind
            "2026-01-01T10:59:50Z, -, 2026-01-01T11:59:50Z, 2026-01-01T11:00:00Z",
            // no sent_at: the timestamp as sent
            "2026-01-01T11:00:00Z, -, -, 2026-01-01T11:00:00Z",
            // offset wins over everything
            "2020-01-01T00:00:00Z, 5000, 2026-01-01T12:00:10Z, 2026-01-01T11:59:55Z",
            "-, 60000, -, 2026-01-01T11:59:00Z",
            // nothing: receipt time
            "-, -, 2026-01-01T12:00:05Z, 2026-01-01T12:00:00Z",
            // more than 23 h in the future: now
            "2026-01-02T12:00:01Z, -, -, 2026-01-01T12:00:00Z",
            "2026-01-02T10:00:00Z, -, -, 2026-01-02T10:00:00Z",
            // zone forms
            "2026-01-01T13:00:00+01:00, -, -, 2026-01-01T12:00:00Z",
            "2026-01-01T13:00:00+01, -, -, 2026-01-01T12:00:00Z",
            "2026-01-01T13:00:00.5+0100, -, -, 2026-01-01T12:00:00.5Z",
            "2026-01-01T11:00:00, -, -, 2026-01-01T11:00:00Z",
            "2026-01-01 11:00:00, -, -, 2026-01-01T11:00:00Z",
            "2025-12-31, -, -, 2025-12-31T00:00:00Z",
            // epoch milliseconds and seconds
            "1767268800000, -, -, 2026-01-01T12:00:00Z",
            "1767268800, -, -, 2026-01-01T12:00:00Z",
            "1767268800.25, -, -, 2026-01-01T12:00:00.25Z",
    })
    void resolvesLikePostHog(String timestamp, Long offset, String sentAt, String expected) throws GatewayError {
        assertEquals(Instant.parse(expected),
                EventTimestamps.resolve(timestamp, offset, sentAt == null ? null : Instant.parse(sentAt), NOW));
    }

    @Test
    void farPastFallsBackToEpochOnlyOutsideYears0To9999() throws GatewayError {
        assertEquals(Instant.parse("1900-01-01T00:00:00Z"), EventTimestamps.resolve("1900-01-01T00:00:00Z", null, null, NOW));
        assertEquals(Instant.EPOCH, EventTimestamps.resolve(null, 999_999_999_999_999L, null, NOW));
    }

    @Test
    void garbageIsABadRequestNamingTheField() {
        GatewayError e = assertThrows(GatewayError.class, () -> EventTimestamps.resolve("yesterday", null, null, NOW));
        assertEquals(GatewayError.Kind.BAD_REQUEST, e.kind());
        assertEquals("field 'timestamp' is not an ISO-8601 time: yesterday", e.getMessage());
        assertNull(EventTimestamps.parse("2026-13-01T00:00:00Z"));
        assertNull(EventTimestamps.parse("x".repeat(100)));
    }
}
