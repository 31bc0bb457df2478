package com.clickhouse.analytics.writer.clickhouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import com.clickhouse.analytics.local.clickhouse.ClickHouseEndpoint;
import com.clickhouse.analytics.schema.record.Event;
import com.clickhouse.analytics.schema.record.PassThrough;
import com.clickhouse.analytics.schema.migration.SchemaMigrator;
import com.clickhouse.analytics.schema.record.RecordField;
import com.clickhouse.analytics.testkit.Infrastructure;
import com.clickhouse.analytics.testkit.TestClickHouse;
import org.junit.jupiter.api.Test;

/**
 * The writer's column map follows the record table: every record field that names a column fills
 * it with the field's value, and every such column exists in the migrated {@code events} table (a
 * field mapped to a column the schema lacks would be silently dropped by {@link TableLayout}).
 */
class EventRowTest {

    @Test
    void everyRecordFieldWithAColumnFillsItWithItsValue() {
        String[] values = PassThrough.newValues();
        for (RecordField f : RecordField.PASS_THROUGH) {
            values[f.slot()] = f.kind() == RecordField.Kind.JSON_OBJECT ? "{\"of\":\"" + f.key() + "\"}" : "value of " + f.key();
        }
        Event event = new Event(UUID.randomUUID(), "phc_key", "$pageview", "user-1", "{}", Instant.parse("2026-01-01T00:00:00Z"),
                Instant.parse("2026-01-01T00:00:01Z"), Instant.parse("2026-01-01T00:00:02Z"), "203.0.113.7", "agent",
                PassThrough.adopt(values));
        UUID person = UUID.randomUUID();
        EventRow row = new EventRow(null, event, person, "full", "");
        for (RecordField f : RecordField.values()) {
            if (f.column() != null) {
                assertNotNull(EventRow.COLUMNS.get(f.column()), f + " maps to column " + f.column());
                assertEquals(f.valueOf(event), EventRow.COLUMNS.get(f.column()).apply(row), f.column());
            }
        }
        assertEquals(person, EventRow.COLUMNS.get("person_id").apply(row));
    }

    @Test
    void everyMappedColumnExistsInTheMigratedEventsTable() throws Exception {
        ClickHouseEndpoint endpoint = Infrastructure.shared().clickHouse();
        try (TestClickHouse ch = TestClickHouse.create(endpoint, "event_row").migrate(SchemaMigrator::migrate)) {
            TableLayout<EventRow> layout = new ClickHouseTables(ch.client, ch.database, new ClickHouseErrorClassifier()).events();
            List<String> filled = layout.columnNames();
            for (String column : EventRow.COLUMNS.keySet()) {
                assertTrue(filled.contains(column), column + " is a column of " + ch.database + ".events the writer fills: " + filled);
            }
            assertEquals(Set.copyOf(filled), EventRow.COLUMNS.keySet(), "the writer fills exactly the mapped columns");
        }
    }
}
