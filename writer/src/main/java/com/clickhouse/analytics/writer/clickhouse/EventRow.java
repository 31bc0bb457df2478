package com.clickhouse.analytics.writer.clickhouse;

import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

import com.clickhouse.analytics.schema.record.Event;
import com.clickhouse.analytics.writer.consume.SourceRecord;

/**
 * One row of the {@code events} table: the decoded record plus the person it was resolved to.
 * Every column the writer fills except {@code person_id} is a pure function of the Kafka record;
 * {@code inserted_at} is left to the table's default (the insert time). A replay is dropped by the
 * deduplication token or collapses by uuid, so neither difference shows under {@code FINAL}.
 */
public record EventRow(SourceRecord source, Event event, UUID personId) {

    /** The {@code events} columns the writer fills, when the table has them. */
    static final Map<String, Function<EventRow, Object>> COLUMNS = Map.ofEntries(
            Map.entry("uuid", r -> r.event.uuid()),
            Map.entry("api_key", r -> r.event.apiKey()),
            Map.entry("event", r -> r.event.event()),
            Map.entry("distinct_id", r -> r.event.distinctId()),
            Map.entry("person_id", r -> r.personId),
            Map.entry("session_id", r -> r.event.sessionId()),
            Map.entry("window_id", r -> r.event.windowId()),
            Map.entry("elements_chain", r -> r.event.elementsChain()),
            Map.entry("timestamp", r -> r.event.timestamp()),
            Map.entry("sent_at", r -> r.event.sentAt()),
            Map.entry("received_at", r -> r.event.receivedAt()),
            Map.entry("ip", r -> r.event.ip()),
            Map.entry("user_agent", r -> r.event.userAgent()),
            Map.entry("current_url", r -> r.event.currentUrl()),
            Map.entry("host", r -> r.event.host()),
            Map.entry("properties", r -> r.event.properties()),
            Map.entry("set_properties", r -> r.event.set()),
            Map.entry("set_once_properties", r -> r.event.setOnce()),
            Map.entry("anon_distinct_id", r -> r.event.anonDistinctId()),
            Map.entry("alias", r -> r.event.alias()),
            Map.entry("is_deleted", r -> 0));

    static final Set<String> REQUIRED = Set.of("uuid", "event", "distinct_id", "person_id", "timestamp", "properties");
}
