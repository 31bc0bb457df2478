package com.clickhouse.analytics.schema.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/**
 * Every consumer of the record table handles every entry: {@link EventWriter} writes each field
 * under its key, {@link EventReader} and the codec's Jackson path both read each one back. A field
 * added to {@link RecordField} that one of them skips fails here, whatever its position.
 */
class RecordFieldTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final EventCodec codec = new EventCodec();

    @Test
    void everyFieldIsWrittenUnderItsKeyAndReadBackByBothReaders() throws Exception {
        Event event = everyField();
        byte[] record = codec.encode(event);
        JsonNode tree = JSON.readTree(record);
        for (RecordField f : RecordField.values()) {
            assertTrue(tree.has(f.key()), f + " is written under \"" + f.key() + "\": " + new String(record));
            assertNotNull(f.valueOf(event), f + " has a value in the sample");
        }
        assertEquals(RecordField.values().length + 1, tree.size(), "the version and one key per field, nothing else");
        assertReadBack(event, record);
    }

    /** The table reproduces the record layout as it was before the table, byte for byte. */
    @Test
    void theV1LayoutOfTheOriginalFieldsIsUnchanged() {
        Event event = core(PassThrough.NONE.with(RecordField.SESSION_ID, "s").with(RecordField.WINDOW_ID, "w")
                .with(RecordField.CURRENT_URL, "u").with(RecordField.HOST, "h").with(RecordField.ELEMENTS_CHAIN, "c")
                .with(RecordField.SET, "{\"a\":1}").with(RecordField.SET_ONCE, "{\"b\":2}")
                .with(RecordField.ANON_DISTINCT_ID, "anon").with(RecordField.ALIAS, "al"));
        assertEquals("{\"v\":1,\"uuid\":\"0192f1c2-7a3b-7c4d-8e5f-0123456789ab\",\"api_key\":\"phc_key\",\"event\":\"$pageview\","
                + "\"distinct_id\":\"user-1\",\"properties\":{\"n\":1},\"timestamp\":\"2026-11-24T10:00:00.123Z\","
                + "\"sent_at\":\"2026-11-24T10:00:01Z\",\"received_at\":\"2026-11-24T10:00:01.500Z\",\"ip\":\"203.0.113.7\","
                + "\"user_agent\":\"Mozilla/5.0\",\"session_id\":\"s\",\"window_id\":\"w\",\"current_url\":\"u\",\"host\":\"h\","
                + "\"elements_chain\":\"c\",\"$set\":{\"a\":1},\"$set_once\":{\"b\":2},\"$anon_distinct_id\":\"anon\",\"alias\":\"al\"}",
                new String(codec.encode(event), java.nio.charset.StandardCharsets.UTF_8));
    }

    /** One pass-through field at a time: a reader that fills the wrong slot or drops a key fails. */
    @Test
    void eachPassThroughFieldAloneSurvivesBothReaders() throws Exception {
        for (RecordField f : RecordField.PASS_THROUGH) {
            Event event = core(null).with(f, sample(f));
            byte[] record = codec.encode(event);
            JsonNode tree = JSON.readTree(record);
            assertTrue(tree.has(f.key()), f + ": " + new String(record));
            assertReadBack(event, record);
            assertEquals(event.passThrough(), PassThrough.NONE.with(f, sample(f)));
        }
    }

    @Test
    void keysColumnsAndSlotsAreConsistent() {
        Set<String> keys = new HashSet<>();
        Set<String> columns = new HashSet<>();
        for (RecordField f : RecordField.values()) {
            assertTrue(keys.add(f.key()), "duplicate key " + f.key());
            assertTrue(f.column() == null || columns.add(f.column()), "duplicate column " + f.column());
            assertSame(f, RecordField.byKey(f.key()));
            if (f.isPassThrough()) {
                assertSame(f, RecordField.PASS_THROUGH.get(f.slot()));
            } else {
                assertEquals(-1, f.slot());
            }
        }
        assertNull(RecordField.byKey("v"), "the version is not a field");
    }

    private void assertReadBack(Event event, byte[] record) throws EventDecodingException {
        Event direct = EventReader.read(record);
        assertNotNull(direct, "the direct reader takes the writer's layout");
        Event parsed = codec.decodeWithParser(record);
        for (RecordField f : RecordField.values()) {
            assertEquals(f.valueOf(event), f.valueOf(direct), f + " through EventReader");
            assertEquals(f.valueOf(event), f.valueOf(parsed), f + " through the Jackson path");
        }
        assertEquals(event, direct);
        assertEquals(event, parsed);
    }

    /** Every field set, each pass-through one to a value naming it. */
    static Event everyField() {
        String[] values = PassThrough.newValues();
        for (RecordField f : RecordField.PASS_THROUGH) {
            values[f.slot()] = sample(f);
        }
        return core(PassThrough.adopt(values));
    }

    private static Event core(PassThrough passThrough) {
        return new Event(UUID.fromString("0192f1c2-7a3b-7c4d-8e5f-0123456789ab"), "phc_key", "$pageview", "user-1",
                "{\"n\":1}", Instant.parse("2026-11-24T10:00:00.123Z"), Instant.parse("2026-11-24T10:00:01Z"),
                Instant.parse("2026-11-24T10:00:01.500Z"), "203.0.113.7", "Mozilla/5.0", passThrough);
    }

    private static String sample(RecordField f) {
        return f.kind() == RecordField.Kind.JSON_OBJECT ? "{\"of\":\"" + f.key() + "\"}" : "value of " + f.key();
    }
}
