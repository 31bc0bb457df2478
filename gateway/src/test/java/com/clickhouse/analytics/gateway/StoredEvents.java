package com.clickhouse.analytics.gateway;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.clickhouse.analytics.schema.migration.SchemaMigrator;
import com.clickhouse.analytics.testkit.Infrastructure;
import com.clickhouse.analytics.testkit.TestClickHouse;
import com.clickhouse.analytics.writer.WriterProcess;
import com.clickhouse.client.api.query.GenericRecord;

/**
 * The rows an SDK test's events became: a migrated database of its own on the tests' ClickHouse and
 * the real writer (a child process) consuming the gateway's topic into it. A test names its run's
 * events by a condition on {@code events} ({@link #ofRun}, {@link #byDistinctIds}, {@link #byDistinctIdPrefix}).
 */
final class StoredEvents implements AutoCloseable {

    /** Each event's person through the overrides of its project: the attribution query of schema/README.md. */
    private static final String ATTRIBUTION = "SELECT e.event AS event, e.distinct_id AS distinct_id,"
            + " if(o.override_person_id = toUUID('00000000-0000-0000-0000-000000000000'), e.person_id, o.override_person_id) AS person"
            + " FROM (SELECT project, event, distinct_id, person_id FROM {db}.events FINAL WHERE %s) AS e"
            + " LEFT JOIN (SELECT project, old_person_id, argMax(override_person_id, version) AS override_person_id"
            + " FROM {db}.person_overrides GROUP BY project, old_person_id) AS o ON o.project = e.project AND o.old_person_id = e.person_id";

    final TestClickHouse ch;
    private final WriterProcess writer;

    private StoredEvents(TestClickHouse ch, WriterProcess writer) {
        this.ch = ch;
        this.writer = writer;
    }

    static StoredEvents forTopic(String name, String topic) throws Exception {
        TestClickHouse ch = TestClickHouse.create(Infrastructure.shared().clickHouse(), name).migrate(SchemaMigrator::migrate);
        try {
            return new StoredEvents(ch, WriterProcess.start("writer-" + name, Infrastructure.shared().kafkaBootstrapServers(),
                    ch.endpoint, ch.database, topic, topic, Map.of("WRITER_BATCH_MAX_AGE_MS", "200")));
        } catch (RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Events whose super property {@code run} (posthog-js's {@code register}) is {@code run}. */
    static String ofRun(String run) {
        return "JSONExtractString(properties, 'run') = '" + run + "'";
    }

    /** Events of any of these distinct ids (plain ids: letters, digits, '-'). */
    static String byDistinctIds(String... ids) {
        for (String id : ids) {
            if (!id.matches("[A-Za-z0-9-]+")) {
                throw new IllegalArgumentException("not a plain id: " + id);
            }
        }
        return "distinct_id IN ('" + String.join("', '", ids) + "')";
    }

    /** Events whose distinct id starts with {@code prefix}. */
    static String byDistinctIdPrefix(String prefix) {
        return "startsWith(distinct_id, '" + prefix + "')";
    }

    /**
     * Waits until {@code count} events match {@code where} (under FINAL), then checks they were
     * inserted exactly once (no FINAL); fails with the writer's log otherwise.
     */
    void awaitExactly(String where, long count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        long seen = -1;
        while (System.nanoTime() < deadline) {
            seen = ch.longValue("SELECT count() FROM {db}.events FINAL WHERE " + where);
            if (seen >= count) {
                long rows = ch.longValue("SELECT count() FROM {db}.events WHERE " + where);
                if (seen != count || rows != count) {
                    throw new AssertionError("events where " + where + ": " + seen + " under FINAL, " + rows + " rows, expected " + count);
                }
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(seen + " of " + count + " events where " + where + " in ClickHouse; the writer said:\n" + writer.logTail());
    }

    /** The names of the events matching {@code where} that were processed personless, sorted. */
    List<String> personless(String where) {
        return ch.query("SELECT event FROM {db}.events FINAL WHERE " + where + " AND person_mode = 'propertyless' ORDER BY event")
                .stream().map(r -> r.getString(1)).toList();
    }

    /** Column {@code column} (quoted as needed) of the one event named {@code event} matching {@code where}. */
    String column(String where, String event, String column) {
        return ch.query("SELECT toString(" + column + ") FROM {db}.events FINAL WHERE " + where + " AND event = '" + event + "'")
                .getFirst().getString(1);
    }

    /** The properties of group {@code key} of type index {@code index} in {@code project}, or null. */
    String groupProperties(String project, int index, String key) {
        List<GenericRecord> rows = ch.query("SELECT group_properties FROM {db}.groups FINAL WHERE project = '" + project
                + "' AND group_type_index = " + index + " AND group_key = '" + key + "'");
        if (rows.size() > 1) {
            throw new AssertionError(rows.size() + " rows for group " + key);
        }
        return rows.isEmpty() ? null : rows.getFirst().getString(1);
    }

    /** The properties of person {@code id}. */
    String personProperties(UUID id) {
        return ch.query("SELECT properties FROM {db}.persons FINAL WHERE id = '" + id + "'").getFirst().getString(1);
    }

    /** Event name → the final person of the event of that name matching {@code where} (names unique there). */
    Map<String, UUID> finalPersons(String where) {
        Map<String, UUID> out = new HashMap<>();
        ch.query(ATTRIBUTION.formatted(where))
                .forEach(r -> out.put(r.getString("event"), r.getUUID("person")));
        return out;
    }

    /** The current person of a distinct id (of the only project that has it), or null. */
    UUID personOf(String distinctId) {
        List<GenericRecord> rows = ch.query("SELECT person_id FROM {db}.person_distinct_ids FINAL WHERE is_deleted = 0 AND distinct_id = '"
                + distinctId.replace("'", "\\'") + "'");
        if (rows.size() > 1) {
            throw new AssertionError(distinctId + " is linked in " + rows.size() + " projects: name the project");
        }
        return rows.isEmpty() ? null : rows.getFirst().getUUID("person_id");
    }

    /** The current person of a distinct id in {@code project}, or null. */
    UUID personOf(String project, String distinctId) {
        List<GenericRecord> rows = ch.query("SELECT person_id FROM {db}.person_distinct_ids FINAL WHERE is_deleted = 0 AND project = '"
                + project + "' AND distinct_id = '" + distinctId.replace("'", "\\'") + "'");
        return rows.isEmpty() ? null : rows.getFirst().getUUID("person_id");
    }

    @Override
    public void close() {
        try {
            writer.close();
        } finally {
            ch.close();
        }
    }
}
