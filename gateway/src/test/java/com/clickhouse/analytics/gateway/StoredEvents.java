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
 * the real writer (a child process) consuming the gateway's topic into it. Events of one run are
 * told apart by the super property {@code run} the scripts register.
 */
final class StoredEvents implements AutoCloseable {

    /** Each event's person through the overrides: the attribution query of schema/README.md. */
    private static final String ATTRIBUTION = "SELECT e.event AS event, e.distinct_id AS distinct_id,"
            + " if(o.override_person_id = toUUID('00000000-0000-0000-0000-000000000000'), e.person_id, o.override_person_id) AS person"
            + " FROM {db}.events AS e FINAL LEFT JOIN (SELECT old_person_id, argMax(override_person_id, version) AS override_person_id"
            + " FROM {db}.person_overrides GROUP BY old_person_id) AS o ON o.old_person_id = e.person_id"
            + " WHERE JSONExtractString(e.properties, 'run') = '%s'";

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

    /** Waits until the run's {@code count} events are in {@code events}; fails with the writer's log otherwise. */
    void awaitRun(String run, long count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        long seen = -1;
        while (System.nanoTime() < deadline) {
            seen = ch.longValue(runFilter("SELECT count() FROM {db}.events FINAL", run));
            if (seen >= count) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(seen + " of " + count + " events of " + run + " in ClickHouse; the writer said:\n" + writer.logTail());
    }

    /** {@code sql} restricted to the run's events ({@code sql} has no WHERE). */
    static String runFilter(String sql, String run) {
        return sql + " WHERE JSONExtractString(properties, 'run') = '" + run + "'";
    }

    long longValue(String sql) {
        return ch.longValue(sql);
    }

    List<GenericRecord> query(String sql) {
        return ch.query(sql);
    }

    /** Event name → the final person of the run's event of that name (names unique within the run). */
    Map<String, UUID> finalPersons(String run) {
        Map<String, UUID> out = new HashMap<>();
        ch.query(ATTRIBUTION.formatted(run)).forEach(r -> out.put(r.getString("event"), r.getUUID("person")));
        return out;
    }

    /** The current person of a distinct id, or null. */
    UUID personOf(String distinctId) {
        List<GenericRecord> rows = ch.query("SELECT person_id FROM {db}.person_distinct_ids FINAL WHERE is_deleted = 0 AND distinct_id = '"
                + distinctId.replace("'", "\\'") + "'");
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
