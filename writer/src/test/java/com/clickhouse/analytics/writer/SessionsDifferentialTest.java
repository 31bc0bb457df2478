package com.clickhouse.analytics.writer;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.clickhouse.analytics.local.clickhouse.ClickHouseEndpoint;
import com.clickhouse.analytics.local.kafka.KafkaBroker;
import com.clickhouse.analytics.ops.config.DatabaseName;
import com.clickhouse.analytics.schema.migration.Migration;
import com.clickhouse.analytics.schema.migration.MigrationSource;
import com.clickhouse.analytics.schema.migration.SchemaMigrator;
import com.clickhouse.analytics.schema.record.Event;
import com.clickhouse.analytics.testkit.Infrastructure;
import com.clickhouse.analytics.testkit.TestClickHouse;
import com.clickhouse.client.api.query.GenericRecord;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The materialized sessions (V002, redefined by V008) against V001's view definition, on the same
 * events written by the real writer: half of the traffic is written while the database is at V001
 * (so the backfill must bring it in), the rest after, with replays of events from both halves and
 * timestamps out of order. Every column of every session must match: {@code sessions} that of
 * V001's definition without the sessions that have a bot's event, {@code sessions_with_bots} that of
 * V001's definition with its bot flag. The seed is printed; rerun
 * one with {@code -Dcpa.sessions.seed=N}.
 */
class SessionsDifferentialTest {

    /** The old definition's columns, plus the new ones defined the same way over events FINAL. */
    private static final String COLUMNS = """
            api_key, session_id, distinct_id, person_id, started_at, ended_at, duration_seconds, toString(arraySort(urls)) AS urls,
            entry_url, exit_url, host, event_count, pageview_count, autocapture_count, toString(arraySort(event_names)) AS event_names""";

    @Test
    void materializedSessionsEqualTheOldViewOverEventsFinal() throws Exception {
        long seed = Long.getLong("cpa.sessions.seed", System.nanoTime());
        System.out.println("SessionsDifferentialTest seed " + seed);
        GeneratedTraffic traffic = GeneratedTraffic.generate(seed, Instant.parse("2026-03-02T00:00:00Z"), 10, 120);
        List<Event> send = traffic.sendOrder();
        List<Event> before = send.subList(0, send.size() / 2);
        List<Event> after = send.subList(send.size() / 2, send.size());

        String bootstrap = Infrastructure.shared().kafkaBootstrapServers();
        ClickHouseEndpoint endpoint = Infrastructure.shared().clickHouse();
        String topic = TestClickHouse.uniqueName("sessions_diff");
        KafkaBroker.createTopic(bootstrap, topic, 3);
        try (TestClickHouse ch = TestClickHouse.create(endpoint, "sessions_diff")) {
            List<Migration> all = MigrationSource.bundled();
            SchemaMigrator atV001 = new SchemaMigrator(ch.client, DatabaseName.of(ch.database), all.subList(0, 1));
            atV001.migrate(m -> { });
            // Today's writer also needs the identity and deletion tables, which later migrations create
            // (IF NOT EXISTS, so running them again below is a no-op): take their DDL from those files,
            // and V009's project-keyed rebuilds of the identity tables, swapped in as V009 does (the
            // migrator runs V009's exchanges only while they are still to be done).
            for (Migration later : all.subList(1, all.size())) {
                for (var statement : atV001.statements(later)) {
                    if (statement.sql().contains("CREATE TABLE IF NOT EXISTS") && statement.sql().matches(
                            "(?s).*\\.(person_overrides|ingestion_warnings|deleted_distinct_ids|group_type_mapping|groups|persons_v009"
                                    + "|person_distinct_ids_v009|person_overrides_v009)\\s*\\(.*")
                            || statement.sql().strip().startsWith("EXCHANGE TABLES")) {
                        ch.execute(statement.sql());
                    }
                }
            }
            double inserted;
            try (WriterProcess writer = WriterProcess.start("writer-sessions", bootstrap, endpoint, ch.database, topic, topic,
                    GeneratedTraffic.WRITER_SETTINGS)) {
                GeneratedTraffic.produce(bootstrap, topic, before);
                awaitFinal(ch, GeneratedTraffic.unique(before), writer);
                Await.until(Duration.ofSeconds(60), () -> TestKafka.groupLag(bootstrap, topic, topic) == 0, writer::logTail);
                inserted = writer.metric("cpa_writer_rows_inserted_total");
            }
            new SchemaMigrator(ch.client, DatabaseName.of(ch.database), all).migrate(m -> { });
            // A writer reads the table's columns at start, as after a deploy: this one writes is_bot (V004).
            try (WriterProcess writer = WriterProcess.start("writer-sessions-2", bootstrap, endpoint, ch.database, topic, topic,
                    GeneratedTraffic.WRITER_SETTINGS)) {
                GeneratedTraffic.produce(bootstrap, topic, after);
                awaitFinal(ch, traffic.events().size(), writer);
                Await.until(Duration.ofSeconds(60), () -> TestKafka.groupLag(bootstrap, topic, topic) == 0, writer::logTail);
                inserted += writer.metric("cpa_writer_rows_inserted_total");
            }
            // Replays have their own offsets, hence their own deduplication tokens: each was inserted, so the
            // materialized view saw it, and only the states make it count once.
            assertEquals(send.size(), inserted, "rows inserted, replays included");
            assertTrue(send.size() > traffic.events().size(), "replays sent");

            // sessions: V001's definition without the sessions that have a bot's event (V008);
            // sessions_with_bots: V001's definition as it was, plus the flag.
            String oldView = v001SessionsDefinition(all.getFirst(), ch.database);
            List<String> once = rows(ch, "SELECT " + COLUMNS + ", is_bot FROM {db}.sessions_with_bots ORDER BY api_key, session_id");
            // V008 once more, as a migrator interrupted before recording it runs it again: its backfill folds every
            // event in a second time, which must change nothing.
            Migration v008 = all.stream().filter(m -> m.version() == 8).findFirst().orElseThrow();
            for (var statement : atV001.statements(v008)) {
                ch.execute(statement.sql());
            }
            assertEquals(once, rows(ch, "SELECT " + COLUMNS + ", is_bot FROM {db}.sessions_with_bots ORDER BY api_key, session_id"),
                    "V008 run twice (seed " + seed + ")");
            assertSameRows(rows(ch, "SELECT " + COLUMNS + " FROM (" + oldView + " HAVING max(is_bot) = 0) ORDER BY api_key, session_id"),
                    rows(ch, "SELECT " + COLUMNS + " FROM {db}.sessions ORDER BY api_key, session_id"), "sessions", seed);
            assertSameRows(rows(ch, "SELECT " + COLUMNS + ", bot FROM (" + oldView.replace(" AS event_names", " AS event_names, max(is_bot) AS bot")
                            + ") ORDER BY api_key, session_id"),
                    rows(ch, "SELECT " + COLUMNS + ", is_bot FROM {db}.sessions_with_bots ORDER BY api_key, session_id"), "sessions_with_bots", seed);
            long botSessions = ch.longValue("SELECT count() FROM {db}.sessions_with_bots WHERE is_bot = 1");
            long partlyBots = ch.longValue("SELECT count() FROM (SELECT session_id FROM {db}.events FINAL WHERE session_id != '' "
                    + "GROUP BY session_id HAVING max(is_bot) = 1 AND min(is_bot) = 0)");
            assertTrue(botSessions > 0 && partlyBots > 0, "bot sessions " + botSessions + ", of them partly a bot's " + partlyBots);

            // The columns V001 did not have, against their definition over events FINAL.
            String entry = """
                    SELECT api_key, session_id,
                        argMinIf(JSONExtractString(properties, '$referrer') AS r, (timestamp, uuid), r != '') AS referrer,
                        argMinIf(JSONExtractString(properties, 'utm_source') AS s, (timestamp, uuid), s != '') AS utm_source,
                        argMinIf(JSONExtractString(properties, 'utm_medium') AS m, (timestamp, uuid), m != '') AS utm_medium,
                        argMinIf(JSONExtractString(properties, 'utm_campaign') AS c, (timestamp, uuid), c != '') AS utm_campaign,
                        toUInt8(countIf(event = '$pageview') <= 1 AND countIf(event = '$autocapture') = 0
                            AND dateDiff('second', min(timestamp), max(timestamp)) < 10) AS is_bounce
                    FROM {db}.events FINAL WHERE session_id != '' AND is_deleted = 0
                    GROUP BY api_key, session_id HAVING max(is_bot) = 0 ORDER BY api_key, session_id""";
            assertEquals(rows(ch, entry), rows(ch, """
                    SELECT api_key, session_id, referrer, utm_source, utm_medium, utm_campaign, is_bounce
                    FROM {db}.sessions ORDER BY api_key, session_id"""), "entry attribution and bounce (seed " + seed + ")");
            assertTrue(ch.longValue("SELECT countIf(is_bounce = 1) FROM {db}.sessions") > 0, "some bounces");
            assertTrue(ch.longValue("SELECT countIf(utm_source != '') FROM {db}.sessions") > 0, "some UTM sources");
        }
    }

    private static void assertSameRows(List<String> expected, List<String> actual, String view, long seed) {
        assertTrue(expected.size() > 100, view + ": sessions generated: " + expected.size());
        assertEquals(expected.size(), actual.size(), view + " (seed " + seed + ")");
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i), actual.get(i), view + ": session " + i + " (seed " + seed + ")");
        }
    }

    /** The SELECT of V001's sessions view, read from the bundled file itself. */
    static String v001SessionsDefinition(Migration v001, String database) {
        String sql = v001.sql().replace(Migration.DATABASE_PLACEHOLDER, database);
        String head = "CREATE VIEW IF NOT EXISTS " + database + ".sessions AS";
        int from = sql.indexOf(head);
        assertTrue(from >= 0, "V001 defines the sessions view");
        int to = sql.indexOf(";", from);
        return sql.substring(from + head.length(), to);
    }

    private static void awaitFinal(TestClickHouse ch, long expected, WriterProcess writer) throws Exception {
        Await.until(Duration.ofSeconds(120), () -> ch.eventsFinal() >= expected,
                () -> "events FINAL " + ch.eventsFinal() + " of " + expected + "\n" + writer.logTail());
    }

    private static List<String> rows(TestClickHouse ch, String sql) {
        return ch.query(sql).stream().map(SessionsDifferentialTest::line).toList();
    }

    private static String line(GenericRecord r) {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i <= r.getSchema().getColumns().size(); i++) {
            b.append(i > 1 ? " | " : "").append(String.valueOf(r.getObject(i)));
        }
        return b.toString();
    }
}
