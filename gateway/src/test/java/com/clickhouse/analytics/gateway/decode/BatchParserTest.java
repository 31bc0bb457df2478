package com.clickhouse.analytics.gateway.decode;

import java.nio.charset.StandardCharsets;

import com.clickhouse.analytics.gateway.GatewayError;
import com.clickhouse.analytics.schema.record.RecordField;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BatchParserTest {

    private final BatchParser parser = new BatchParser(3, 1 << 20);

    private RawBatch parse(String json) throws GatewayError {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        return parser.parse(b, b.length);
    }

    @Test
    void envelopeWithEverything() throws GatewayError {
        RawBatch b = parse("{\"token\":\"k\",\"sent_at\":\"2026-01-01T00:00:00Z\",\"historical_migration\":true,\"batch\":["
                + "{\"event\":\"$identify\",\"distinct_id\":42,\"uuid\":\"u\",\"timestamp\":\"t\",\"offset\":5,\"$set\":{\"a\":1},"
                + "\"properties\":{ \"$set\" : {\"b\": [1, {\"c\":\"é\"}]},\"$set_once\":{},\"$anon_distinct_id\":\"anon\","
                + "\"$session_id\":\"s\",\"$window_id\":\"w\",\"$current_url\":\"u\",\"$host\":\"h\",\"$elements_chain\":\"ec\","
                + "\"alias\":\"al\",\"$ignore_sent_at\":true,\"deep\":{\"x\":[[]]}}}]}");
        assertEquals("k", b.apiKey());
        assertEquals("2026-01-01T00:00:00Z", b.sentAt());
        assertTrue(b.historicalMigration());
        RawBatch.RawEvent e = b.events().getFirst();
        assertEquals("42", e.distinctId());
        assertEquals(5L, e.offset());
        assertEquals("{\"b\": [1, {\"c\":\"é\"}]}", e.get(RecordField.SET), "properties.$set wins, exact text");
        assertEquals("{}", e.get(RecordField.SET_ONCE));
        assertTrue(e.properties().startsWith("{ \"$set\" : {\"b\"") && e.properties().endsWith("\"deep\":{\"x\":[[]]}}"), e.properties());
        assertEquals("anon", e.get(RecordField.ANON_DISTINCT_ID));
        assertEquals("al", e.get(RecordField.ALIAS));
        assertEquals("ec", e.get(RecordField.ELEMENTS_CHAIN));
        assertTrue(e.ignoreSentAt());
    }

    @Test
    void bareArrayAndSingleEventAndPropertiesDistinctId() throws GatewayError {
        RawBatch a = parse("[{\"event\":\"e\",\"properties\":{\"$distinct_id\":\"p\",\"token\":\"k\"}},{\"event\":\"f\",\"properties\":{\"distinct_id\":1.5}}]");
        assertNull(a.apiKey());
        assertEquals("p", a.events().get(0).distinctId());
        assertEquals("k", a.events().get(0).token());
        assertEquals("1.5", a.events().get(1).distinctId());
        RawBatch s = parse("{\"api_key\":\"k\",\"event\":\"e\",\"distinct_id\":\"d\"}");
        assertEquals("k", s.apiKey());
        assertEquals(1, s.events().size());
        assertEquals("{}", s.events().getFirst().properties());
    }

    @Test
    void limitsAndTypes() {
        assertEquals(413, assertThrows(GatewayError.class, () -> parse("[{},{},{},{}]")).status());
        assertEquals(400, assertThrows(GatewayError.class, () -> parse("[" + "[".repeat(200) + "]".repeat(200) + "]")).status());
        assertEquals(400, assertThrows(GatewayError.class, () -> parse("{\"event\":\"e\",\"properties\":\"x\"}")).status());
        assertEquals(400, assertThrows(GatewayError.class, () -> parse("{\"event\":\"e\",\"offset\":1.5}")).status());
        assertEquals(400, assertThrows(GatewayError.class, () -> parse("{\"token\":\"a\",\"api_key\":\"b\"}")).status());
        assertEquals(400, assertThrows(GatewayError.class, () -> parse("{\"token\":\"a\",\"event\":\"e\",\"properties\":{\"token\":\"b\"}}")).status());
        assertEquals(400, assertThrows(GatewayError.class, () -> parse("{} {}")).status());
        assertEquals(400, assertThrows(GatewayError.class, () -> parse("{\"event\":\"e\",\"$set\":[1]}")).status());
    }

    @Test
    void flagFieldsWithObjectValuesAreSteppedOver() throws GatewayError {
        // Both flags once left the parser inside their object, which then read its members as the event's.
        RawBatch b = parse("{\"token\":\"k\",\"historical_migration\":{\"batch\":1},\"batch\":[{\"event\":\"e\","
                + "\"properties\":{\"$ignore_sent_at\":{\"$session_id\":\"inner\"},\"$session_id\":\"outer\"}}]}");
        byte[] bytes = ("{\"token\":\"k\",\"historical_migration\":{\"batch\":1},\"batch\":[{\"event\":\"e\","
                + "\"properties\":{\"$ignore_sent_at\":{\"$session_id\":\"inner\"},\"$session_id\":\"outer\"}}]}")
                .getBytes(StandardCharsets.UTF_8);
        RawBatch reference = parser.parseWithJackson(bytes, bytes.length);
        for (RawBatch batch : new RawBatch[] {b, reference}) {
            assertEquals(1, batch.events().size());
            assertEquals("outer", batch.events().getFirst().get(RecordField.SESSION_ID));
            assertEquals(false, batch.events().getFirst().ignoreSentAt());
            assertEquals(false, batch.historicalMigration());
        }
    }
}
