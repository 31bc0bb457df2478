package com.clickhouse.analytics.writer.clickhouse;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import com.clickhouse.analytics.writer.identity.ClickHouseGroupStore;
import com.clickhouse.analytics.writer.identity.ClickHousePersonStore;
import com.clickhouse.analytics.writer.identity.GroupStore;
import com.clickhouse.analytics.writer.identity.PersonStore;
import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;

/**
 * Reads the real columns of the writer's tables once at start-up and builds their
 * {@link TableLayout}s (the writer fills the columns it knows and leaves the rest to their
 * defaults), and the stores that write through them.
 */
public final class ClickHouseTables {

    private final Client client;
    private final String database;
    private final ClickHouseErrorClassifier classifier;

    public ClickHouseTables(Client client, String database, ClickHouseErrorClassifier classifier) {
        this.client = client;
        this.database = database;
        this.classifier = classifier;
    }

    /** The person tables' store, its inserts bounded by {@code timeout}. */
    public ClickHousePersonStore personStore(Duration timeout) {
        return new ClickHousePersonStore(client, database, personDistinctIds(), persons(), personOverrides(), ingestionWarnings(),
                classifier, timeout);
    }

    /** The group tables' store, its inserts bounded by {@code timeout}. */
    public ClickHouseGroupStore groupStore(Duration timeout) {
        return new ClickHouseGroupStore(client, database, groupTypeMapping(), groups(), classifier, timeout);
    }

    public TableLayout<EventRow> events() {
        return layout("events", EventRow.COLUMNS, EventRow.REQUIRED);
    }

    public TableLayout<PersonStore.DistinctIdRow> personDistinctIds() {
        Map<String, Function<PersonStore.DistinctIdRow, Object>> known = Map.of(
                "project", PersonStore.DistinctIdRow::project,
                "distinct_id", PersonStore.DistinctIdRow::distinctId,
                "person_id", PersonStore.DistinctIdRow::personId,
                "created_at", PersonStore.DistinctIdRow::createdAt,
                "is_deleted", r -> 0,
                "version", PersonStore.DistinctIdRow::version);
        return layout("person_distinct_ids", known, Set.of("project", "distinct_id", "person_id", "version"));
    }

    public TableLayout<PersonStore.PersonRow> persons() {
        Map<String, Function<PersonStore.PersonRow, Object>> known = Map.ofEntries(
                Map.entry("project", PersonStore.PersonRow::project),
                Map.entry("distinct_id", PersonStore.PersonRow::distinctId),
                Map.entry("id", PersonStore.PersonRow::id),
                Map.entry("properties", PersonStore.PersonRow::properties),
                Map.entry("created_at", PersonStore.PersonRow::createdAt),
                Map.entry("updated_at", PersonStore.PersonRow::updatedAt),
                Map.entry("last_seen_at", PersonStore.PersonRow::lastSeenAt),
                Map.entry("is_identified", r -> r.identified() ? 1 : 0),
                Map.entry("is_deleted", r -> r.deleted() ? 1 : 0),
                Map.entry("version", PersonStore.PersonRow::version));
        return layout("persons", known, Set.of("project", "id", "properties", "version"));
    }

    public TableLayout<PersonStore.OverrideRow> personOverrides() {
        Map<String, Function<PersonStore.OverrideRow, Object>> known = Map.of(
                "project", PersonStore.OverrideRow::project,
                "api_key", PersonStore.OverrideRow::apiKey,
                "old_person_id", PersonStore.OverrideRow::oldPersonId,
                "override_person_id", PersonStore.OverrideRow::overridePersonId,
                "version", PersonStore.OverrideRow::version);
        return layout("person_overrides", known, Set.of("project", "old_person_id", "override_person_id", "version"));
    }

    public TableLayout<PersonStore.WarningRow> ingestionWarnings() {
        Map<String, Function<PersonStore.WarningRow, Object>> known = Map.of(
                "api_key", PersonStore.WarningRow::apiKey,
                "type", PersonStore.WarningRow::type,
                "source", r -> "writer",
                "event_uuid", PersonStore.WarningRow::eventUuid,
                "distinct_id", PersonStore.WarningRow::distinctId,
                "details", PersonStore.WarningRow::details,
                "timestamp", PersonStore.WarningRow::timestamp);
        return layout("ingestion_warnings", known, Set.of("type", "details"));
    }

    /** Claims only: {@code created_at} is left to the server's default, its insert time. */
    public TableLayout<GroupStore.Claim> groupTypeMapping() {
        Map<String, Function<GroupStore.Claim, Object>> known = Map.of(
                "project", GroupStore.Claim::project,
                "group_type", GroupStore.Claim::groupType,
                "group_type_index", GroupStore.Claim::index);
        return layout("group_type_mapping", known, Set.of("project", "group_type", "group_type_index", "created_at"));
    }

    public TableLayout<GroupStore.GroupRow> groups() {
        Map<String, Function<GroupStore.GroupRow, Object>> known = Map.of(
                "project", r -> r.key().project(),
                "group_type_index", r -> r.key().index(),
                "group_key", r -> r.key().key(),
                "group_properties", GroupStore.GroupRow::properties,
                "created_at", GroupStore.GroupRow::createdAt,
                "updated_at", GroupStore.GroupRow::updatedAt,
                "version", GroupStore.GroupRow::version);
        return layout("groups", known, Set.of("project", "group_type_index", "group_key", "group_properties", "version"));
    }

    private <R> TableLayout<R> layout(String table, Map<String, Function<R, Object>> known, Set<String> required) {
        String qualified = database + "." + table;
        List<GenericRecord> rows;
        try {
            rows = client.queryAll("DESCRIBE TABLE " + qualified);
        } catch (RuntimeException e) {
            throw classifier.classify("describe " + qualified, e);
        }
        List<TableLayout.Described> described = rows.stream()
                .map(r -> new TableLayout.Described(r.getString("name"), r.getString("type"), r.getString("default_type")))
                .toList();
        return TableLayout.of(qualified, described, known, required);
    }

    /** Waits for ClickHouse to answer a ping, up to {@code timeout}. */
    public static boolean awaitReachable(Client client, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        do {
            if (client.ping(2_000)) {
                return true;
            }
            try {
                TimeUnit.MILLISECONDS.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        } while (System.nanoTime() < deadline);
        return false;
    }
}
