package com.clickhouse.analytics.gateway.normalize;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;

import com.clickhouse.analytics.gateway.GatewayError;
import com.clickhouse.analytics.gateway.decode.BatchParser;
import com.clickhouse.analytics.schema.record.Event;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventNormalizerTest {

    static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");
    private final EventNormalizer normalizer = new EventNormalizer();
    private final BatchParser parser = new BatchParser(100, 1 << 20);

    private EventNormalizer.Normalized normalize(String json, String defaultEvent) throws GatewayError {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        return normalizer.normalize(parser.parse(b, b.length), "k",
                new EventNormalizer.Context(NOW, "10.0.0.1", "ua", Instant.parse("2026-01-01T12:00:30Z"), defaultEvent));
    }

    @Test
    void dropsNamelessAndIdlessEventsAndKeepsTheRest() throws GatewayError {
        EventNormalizer.Normalized n = normalize("[{\"event\":\"a\",\"distinct_id\":\" d \"},{\"distinct_id\":\"x\"},"
                + "{\"event\":\"b\"},{\"event\":\"c\",\"distinct_id\":\"\\t\"}]", null);
        assertEquals(1, n.events().size());
        assertEquals(3, n.dropped());
        Event e = n.events().getFirst();
        assertEquals("d", e.distinctId());
        assertEquals("k", e.apiKey());
        assertEquals("10.0.0.1", e.ip());
        assertEquals("ua", e.userAgent());
        assertEquals(NOW, e.receivedAt());
        assertEquals(NOW, e.timestamp());
        assertEquals(7, e.uuid().version());
        assertEquals(NOW.toEpochMilli(), e.uuid().getMostSignificantBits() >>> 16);
    }

    @Test
    void engageDefaultsToIdentify() throws GatewayError {
        assertEquals("$identify", normalize("{\"distinct_id\":\"d\",\"$set\":{}}", "$identify").events().getFirst().event());
    }

    @Test
    void clientUuidKeptOrRejected() throws GatewayError {
        UUID u = UUID.randomUUID();
        assertEquals(u, normalize("[{\"event\":\"a\",\"distinct_id\":\"d\",\"uuid\":\"" + u + "\"}]", null).events().getFirst().uuid());
        GatewayError e = assertThrows(GatewayError.class,
                () -> normalize("[{\"event\":\"a\",\"distinct_id\":\"d\"},{\"event\":\"a\",\"distinct_id\":\"d\",\"uuid\":\"1-1-1-1-1\"}]", null));
        assertEquals(400, e.status());
        assertTrue(e.getMessage().contains("event 1"), e.getMessage());
    }

    @Test
    void distinctIdIsCappedWithoutSplittingASurrogatePair() {
        String longId = "a".repeat(199) + "😀" + "b".repeat(50);
        String capped = EventNormalizer.distinctId(longId);
        assertEquals(199, capped.length());
        assertEquals(200, EventNormalizer.distinctId("c".repeat(300)).length());
    }

    @Test
    void querySendTimeCorrectsSkewWhenTheBodyHasNone() throws GatewayError {
        Event e = normalize("[{\"event\":\"a\",\"distinct_id\":\"d\",\"timestamp\":\"2026-01-01T12:00:20Z\"}]", null).events().getFirst();
        assertEquals(Instant.parse("2026-01-01T11:59:50Z"), e.timestamp());
        assertEquals(Instant.parse("2026-01-01T12:00:30Z"), e.sentAt());
    }
}
