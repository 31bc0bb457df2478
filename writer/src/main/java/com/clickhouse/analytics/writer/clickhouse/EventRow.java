package com.clickhouse.analytics.writer.clickhouse;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

import com.clickhouse.analytics.schema.record.Event;
import com.clickhouse.analytics.schema.record.RecordField;
import com.clickhouse.analytics.writer.consume.SourceRecord;

/**
 * One row of the {@code events} table: the decoded (and enriched) record plus the person it was
 * resolved to, the mode it was resolved in ({@code full} / {@code propertyless}), its bot verdict
 * ({@code botReason}, {@code ""} for none) and its {@code $group_0} … {@code $group_4} keys
 * ({@code groups}: empty, or one value per index, {@code ""} for none). Every column the writer fills except these and what
 * enrichment derives from the GeoIP database (which may be replaced between a batch and its replay)
 * is a pure function of the Kafka record; {@code inserted_at} is left to the table's default (the
 * insert time). A replay is dropped by the deduplication token or collapses by uuid, so neither
 * difference shows under {@code FINAL}.
 */
public record EventRow(SourceRecord source, Event event, UUID personId, String personMode, String botReason, List<String> groups) {

    /** A row without groups. */
    public EventRow(SourceRecord source, Event event, UUID personId, String personMode, String botReason) {
        this(source, event, personId, personMode, botReason, List.of());
    }

    /** A row of a fully processed person and no bot verdict. */
    public EventRow(SourceRecord source, Event event, UUID personId) {
        this(source, event, personId, "full", "");
    }

    /**
     * The {@code events} columns the writer fills, when the table has them: one per record field
     * that names a column ({@link RecordField#column()}), plus what the writer adds itself.
     */
    static final Map<String, Function<EventRow, Object>> COLUMNS = columns();

    static final Set<String> REQUIRED = Set.of("uuid", "event", "distinct_id", "person_id", "timestamp", "properties");

    private static Map<String, Function<EventRow, Object>> columns() {
        Map<String, Function<EventRow, Object>> columns = new HashMap<>();
        for (RecordField field : RecordField.values()) {
            if (field.column() != null && columns.put(field.column(), r -> field.valueOf(r.event)) != null) {
                throw new IllegalStateException("two record fields fill column " + field.column());
            }
        }
        columns.put("project", r -> r.event.project()); // never absent, unlike the record field it comes from
        columns.put("person_id", r -> r.personId);
        columns.put("person_mode", r -> r.personMode);
        columns.put("is_deleted", r -> 0);
        columns.put("is_bot", r -> r.botReason == null || r.botReason.isEmpty() ? 0 : 1);
        columns.put("bot_reason", r -> r.botReason == null ? "" : r.botReason);
        for (int i = 0; i < 5; i++) {
            int index = i;
            columns.put("$group_" + i, r -> r.groups.isEmpty() ? "" : r.groups.get(index));
        }
        return Map.copyOf(columns);
    }
}
