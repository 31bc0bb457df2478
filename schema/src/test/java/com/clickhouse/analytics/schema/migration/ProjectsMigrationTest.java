package com.clickhouse.analytics.schema.migration;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import com.clickhouse.analytics.ops.config.DatabaseName;
import com.clickhouse.analytics.testkit.TestClickHouse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * V009 on a database the pre-project writer filled: V001..V008 applied, rows inserted as that writer
 * wrote them (one namespace of distinct ids, person id sha1(distinct_id)), then V009. Two bare keys
 * {@code ka} and {@code kb} are the two projects afterwards.
 */
class ProjectsMigrationTest {

    private static final UUID P42 = legacy("42");
    private static final UUID U1 = legacy("u1");
    private static final UUID A1 = legacy("a1");

    private TestClickHouse ch;

    @BeforeEach
    void open(TestInfo test) throws Exception {
        ch = TestClickHouse.create(test.getTestMethod().orElseThrow().getName());
        List<Migration> before = MigrationSource.bundled().stream().filter(m -> m.version() < 9).toList();
        new SchemaMigrator(ch.client, DatabaseName.of(ch.database), before).migrate(m -> { });
        fillAsThePreProjectWriter();
    }

    @AfterEach
    void close() {
        ch.close();
    }

    @Test
    void keysExistingRowsByTheirEventsProjectAndTheOverridesJoinStillAttributesOldEvents() throws Exception {
        SchemaMigrator migrator = new SchemaMigrator(ch.client, DatabaseName.of(ch.database), MigrationSource.bundled());
        migrator.migrate(m -> { });
        assertMigrated();
    }

    @Test
    void aRunCutShortAfterItsFirstSwapCompletesOnTheNextRun() throws Exception {
        SchemaMigrator migrator = new SchemaMigrator(ch.client, DatabaseName.of(ch.database), MigrationSource.bundled());
        Migration v9 = MigrationSource.bundled().stream().filter(m -> m.version() == 9).findFirst().orElseThrow();
        for (SqlStatement s : migrator.statements(v9)) {
            ch.execute(s.sql()); // as a migrator would, until it died right after the first exchange
            if (s.sql().contains("EXCHANGE TABLES")) {
                break;
            }
        }
        migrator.migrate(m -> { });
        assertMigrated();
    }

    @Test
    void aRunAgainAfterTheLastStatementButBeforeTheRecordChangesNothing() throws Exception {
        SchemaMigrator migrator = new SchemaMigrator(ch.client, DatabaseName.of(ch.database), MigrationSource.bundled());
        migrator.migrate(m -> { });
        // The record is what a crash before it would have lost: without it, V009 runs once more.
        ch.execute("ALTER TABLE {db}.schema_migrations DELETE WHERE version = 9 SETTINGS mutations_sync = 1");
        assertFalse(migrator.applied().stream().anyMatch(a -> a.version() == 9), "V009 not recorded");
        List<String> ran = new ArrayList<>();
        migrator.migrate(m -> ran.add(m.fileName()));
        assertEquals(List.of("V009__projects.sql"), ran, "only the unrecorded V009 runs again (later ones are recorded)");
        assertTrue(migrator.applied().stream().anyMatch(a -> a.version() == 9));
        assertMigrated();
    }

    private void fillAsThePreProjectWriter() throws Exception {
        // "42" used by both apps: one person (the bug V009 stops from spreading). "u1" identified "a1" in app ka
        // (a merge: a1's person overridden), "alias-x" linked to u1's person without events of its own,
        // "anon-1" only personless in ka (no link; its events carry sha1("anon-1")).
        ch.execute("INSERT INTO {db}.events (uuid, api_key, event, distinct_id, person_id, properties, timestamp, received_at) VALUES "
                + event("ka", "42", P42) + ", " + event("kb", "42", P42) + ", " + event("ka", "a1", A1) + ", " + event("ka", "u1", U1)
                + ", " + event("ka", "anon-1", legacy("anon-1")) + ", " + event("ka", "anon-1", legacy("anon-1")));
        ch.execute("INSERT INTO {db}.person_distinct_ids (distinct_id, person_id, created_at, is_deleted, version) VALUES "
                + "('42', '" + P42 + "', now64(), 0, 1), ('u1', '" + U1 + "', now64(), 0, 1), ('a1', '" + A1 + "', now64(), 0, 1),"
                + " ('a1', '" + U1 + "', now64(), 0, 2), ('alias-x', '" + U1 + "', now64(), 0, 3)");
        ch.execute("INSERT INTO {db}.persons (distinct_id, id, properties, created_at, updated_at, last_seen_at, is_identified, is_deleted,"
                + " version) VALUES ('42', '" + P42 + "', '{\"plan\":\"both\"}', now64(), now64(), now64(), 0, 0, 1),"
                + " ('u1', '" + U1 + "', '{}', now64(), now64(), now64(), 1, 0, 2), ('a1', '" + A1 + "', '{}', now64(), now64(), now64(), 0, 1, 2)");
        ch.execute("INSERT INTO {db}.person_overrides (api_key, old_person_id, override_person_id, version) VALUES ('ka', '" + A1 + "', '"
                + U1 + "', 5)");
    }

    private void assertMigrated() {
        assertEquals(List.of("ka 42 " + P42, "ka a1 " + U1, "ka alias-x " + U1, "ka u1 " + U1, "kb 42 " + P42),
                rows("SELECT project, distinct_id, person_id FROM {db}.person_distinct_ids FINAL ORDER BY project, distinct_id"),
                "a link per project its distinct id's events were sent with; one without events takes its person's");
        assertEquals(sorted("ka " + P42 + " 0 {\"plan\":\"both\"}", "ka " + A1 + " 1 {}", "ka " + U1 + " 0 {}",
                        "kb " + P42 + " 0 {\"plan\":\"both\"}"),
                rows("SELECT project, id, is_deleted, properties FROM {db}.persons FINAL ORDER BY project, toString(id)"));
        assertEquals(sorted("ka " + A1 + " " + U1, "ka " + legacy("anon-1") + " " + projectId("ka", "anon-1")),
                rows("SELECT project, old_person_id, override_person_id FROM {db}.person_overrides FINAL ORDER BY project, toString(old_person_id)"),
                "the merge's override in its project, and old → new deterministic id of the one distinct id without a link");
        assertEquals(List.of("ka", "kb"), rows("SELECT DISTINCT project FROM {db}.events ORDER BY project"), "old events: project = api key");
        for (String table : List.of("persons", "person_distinct_ids", "person_overrides")) {
            String key = ch.query("SELECT sorting_key FROM system.tables WHERE database = '{db}' AND name = '" + table + "'").getFirst().getString(1);
            assertTrue(key.startsWith("project, "), table + " is keyed by project first: " + key);
        }
        // The overrides join of schema/README.md: events to their final person, per project.
        assertEquals(List.of("ka 42 " + P42, "ka a1 " + U1, "ka anon-1 " + projectId("ka", "anon-1"), "ka u1 " + U1, "kb 42 " + P42),
                rows("SELECT DISTINCT e.project, e.distinct_id, if(o.override_person_id != toUUID('00000000-0000-0000-0000-000000000000'),"
                        + " o.override_person_id, e.person_id) AS person FROM {db}.events AS e"
                        + " LEFT JOIN (SELECT project, old_person_id, override_person_id FROM {db}.person_overrides FINAL) AS o"
                        + " ON o.project = e.project AND o.old_person_id = e.person_id ORDER BY e.project, e.distinct_id"));
    }

    /** Rows ordered by their text, as the queries order them (UUIDs as strings). */
    private static List<String> sorted(String... rows) {
        return java.util.Arrays.stream(rows).sorted().toList();
    }

    private List<String> rows(String sql) {
        return ch.query(sql).stream().map(r -> {
            StringBuilder out = new StringBuilder();
            for (int i = 1; i <= r.getSchema().getColumns().size(); i++) {
                out.append(i == 1 ? "" : " ").append(r.getString(i));
            }
            return out.toString();
        }).toList();
    }

    private static String event(String key, String distinctId, UUID person) {
        return "(generateUUIDv4(), '" + key + "', 'e', '" + distinctId + "', '" + person + "', '{}', now64(), now64())";
    }

    /** The writer's deterministic id before V009 (PersonIds, writer module): sha1 of the distinct id. */
    private static UUID legacy(String distinctId) {
        return sha1Uuid(distinctId);
    }

    /** ... and after: sha1 of {@code project:distinct_id}. */
    private static UUID projectId(String project, String distinctId) {
        return sha1Uuid(project + ":" + distinctId);
    }

    private static UUID sha1Uuid(String text) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
            hash[6] = (byte) ((hash[6] & 0x0f) | 0x50);
            hash[8] = (byte) ((hash[8] & 0x3f) | 0x80);
            ByteBuffer b = ByteBuffer.wrap(hash, 0, 16);
            return new UUID(b.getLong(), b.getLong());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
