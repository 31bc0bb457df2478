package com.clickhouse.analytics.gateway.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import com.clickhouse.analytics.gateway.GatewayError;
import com.clickhouse.analytics.schema.record.RecordField;
import org.junit.jupiter.api.Test;

/**
 * Every entry of the capture table is read, and read the same, by both readers: a member with a
 * value of its kind changes the event, and {@link BatchScanner} answers with exactly what the Jackson
 * path reads. And every pass-through record field has a member that fills it.
 */
class CaptureFieldTest {

    private final BatchParser parser = new BatchParser(10, 1 << 20);

    @Test
    void everyMemberIsReadIdenticallyByBothReaders() throws GatewayError {
        for (CaptureField f : CaptureField.values()) {
            if (f.scope() == CaptureField.Scope.ENVELOPE) {
                continue;
            }
            String with = body(f, sample(f));
            String without = body(f, null);
            RawBatch.RawEvent jackson = jackson(with);
            RawBatch.RawEvent scanned = scanned(with);
            assertEquals(jackson, scanned, f + ": " + with);
            assertNotEquals(jackson(without), jackson, f + " changes the event: " + with);
            if (f.record() != null) {
                assertNotNull(jackson.get(f.record()), f + " fills " + f.record());
            }
        }
    }

    /** A top-level {@code $unset} is an array or an object, kept as sent (escaped as a string in the record); else a 400. */
    @Test
    void unsetTakesAnArrayOrAnObjectAndNothingElse() throws GatewayError {
        for (String value : List.of("[\"a\",\"b\\\"c\"]", "{\"a\":1}", "[]")) {
            String body = "[{\"event\":\"e\",\"distinct_id\":\"d\",\"$unset\":" + value + "}]";
            assertEquals(value, jackson(body).get(RecordField.UNSET), body);
            assertEquals(jackson(body), scanned(body), body);
        }
        for (String value : List.of("\"a\"", "1", "true")) {
            String body = "[{\"event\":\"e\",\"distinct_id\":\"d\",\"$unset\":" + value + "}]";
            GatewayError e = assertThrows(GatewayError.class, () -> jackson(body), body);
            assertTrue(e.getMessage().contains("$unset"), e.getMessage());
        }
    }

    @Test
    void everyPassThroughRecordFieldButTheProjectIsFilledFromTheCaptureBody() {
        Set<RecordField> filled = EnumSet.noneOf(RecordField.class);
        for (CaptureField f : CaptureField.values()) {
            if (f.record() != null) {
                filled.add(f.record());
            }
        }
        // The project is the authorizer's answer, never the client's: no capture field may fill it.
        Set<RecordField> expected = EnumSet.copyOf(RecordField.PASS_THROUGH);
        expected.remove(RecordField.PROJECT);
        assertEquals(expected, filled);
    }

    @Test
    void envelopeMembersAreReadIdenticallyByBothReaders() throws GatewayError {
        String body = "{\"api_key\":\"k\",\"sent_at\":\"2026-01-01T00:00:00Z\",\"historical_migration\":true,"
                + "\"batch\":[{\"event\":\"e\",\"distinct_id\":\"d\"}]}";
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        RawBatch reference = parser.parseWithJackson(b, b.length);
        assertEquals("2026-01-01T00:00:00Z", reference.sentAt());
        assertTrue(reference.historicalMigration());
        assertEquals(1, reference.events().size());
        RawBatch fast = BatchScanner.scan(b, b.length, 10);
        assertNotNull(fast);
        assertEquals(reference.apiKey(), fast.apiKey());
        assertEquals(reference.sentAt(), fast.sentAt());
        assertEquals(reference.historicalMigration(), fast.historicalMigration());
    }

    /** An event with the member (when {@code value} is not null) in its place. */
    private static String body(CaptureField f, String value) {
        String member = value == null ? "" : ",\"" + f.jsonName() + "\":" + value;
        if (f.scope() == CaptureField.Scope.PROPERTIES) {
            return "[{\"event\":\"e\",\"distinct_id\":\"d\",\"properties\":{\"x\":1" + member + "}}]";
        }
        return "[{\"x\":1" + member + "}]";
    }

    /** A value of the member's kind, different from what the event has without it. */
    private static String sample(CaptureField f) {
        return switch (f.value()) {
            case STRING, OPTIONAL_STRING -> "\"value of " + f.jsonName() + "\"";
            case ID, LENIENT_ID -> "\"id-" + f.jsonName() + "\"";
            case TIMESTAMP -> "\"2026-01-01T00:00:00Z\"";
            case OFFSET -> "5";
            case OBJECT -> "{\"of\":\"" + f.jsonName() + "\"}";
            case KEYS -> "[\"of\",\"" + f.jsonName() + "\"]";
            case FLAG -> "true";
            case PROPERTIES -> "{\"y\":2}";
            case EVENTS -> throw new AssertionError(f);
        };
    }

    private RawBatch.RawEvent jackson(String body) throws GatewayError {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        return parser.parseWithJackson(b, b.length).events().getFirst();
    }

    private static RawBatch.RawEvent scanned(String body) throws GatewayError {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        RawBatch batch = BatchScanner.scan(b, b.length, 10);
        assertNotNull(batch, "the scanner reads " + body);
        RawBatch.RawEvent e = batch.events().getFirst();
        return new RawBatch.RawEvent(e.event(), e.distinctId(), e.properties(), e.timestamp(), e.offset(), e.uuid(), e.token(),
                e.ignoreSentAt(), e.passThrough(), null); // only the scanner hands on verbatim bytes
    }
}
