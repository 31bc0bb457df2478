package com.clickhouse.analytics.schema.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.clickhouse.analytics.ops.config.DatabaseName;
import com.clickhouse.analytics.testkit.TestClickHouse;
import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/** The migrator against the tests' real ClickHouse, one fresh database per test. */
class SchemaMigratorTest {

    /** The events table as the writer may rely on it: name and type, in order (see schema/README.md). */
    static final List<String> EVENTS_COLUMNS = List.of(
            "uuid UUID",
            "api_key LowCardinality(String)",
            "project LowCardinality(String)", // V009, after api_key
            "event LowCardinality(String)",
            "distinct_id String",
            "person_id UUID",
            "person_mode LowCardinality(String)", // V005 adds it after person_id
            "properties String",
            "timestamp DateTime64(6, 'UTC')",
            "sent_at Nullable(DateTime64(6, 'UTC'))",
            "received_at DateTime64(6, 'UTC')",
            "inserted_at DateTime64(6, 'UTC')",
            "session_id String",
            "session_id_uuid Nullable(UUID)",
            "window_id String",
            "window_id_uuid Nullable(UUID)",
            "current_url String",
            "host String",
            "elements_chain String",
            "ip String",
            "user_agent String",
            "set_properties String",
            "set_once_properties String",
            "anon_distinct_id String",
            "alias String",
            "is_deleted Int8",
            // V003: hot properties as materialized columns
            "mat_pathname String", "mat_referrer String", "mat_referring_domain String", "mat_browser LowCardinality(String)",
            "mat_os LowCardinality(String)", "mat_device_type LowCardinality(String)", "mat_utm_source String", "mat_utm_medium String",
            "mat_utm_campaign String", "mat_lib LowCardinality(String)", "mat_screen_width Int64",
            // V004: enrichment
            "is_bot UInt8", "bot_reason LowCardinality(String)",
            // V006: groups, the top-level $unset
            "$group_0 String", "$group_1 String", "$group_2 String", "$group_3 String", "$group_4 String",
            "unset_properties String",
            // V010: the geo country as a column
            "mat_geoip_country_code LowCardinality(String)");

    private TestClickHouse ch;

    @BeforeEach
    void open(TestInfo test) {
        ch = TestClickHouse.create(test.getTestMethod().orElseThrow().getName());
    }

    @AfterEach
    void close() throws Exception {
        ch.close();
    }

    @Test
    void migratesAFreshDatabase() throws Exception {
        List<Migration> bundled = MigrationSource.bundled();
        List<String> reported = new ArrayList<>();
        List<Migration> applied = new SchemaMigrator(ch.client, DatabaseName.of(ch.database), bundled).migrate(m -> reported.add(m.fileName()));

        assertEquals(bundled, applied);
        assertEquals(bundled.stream().map(Migration::fileName).toList(), reported);
        List<AppliedMigration> history = new SchemaMigrator(ch.client, DatabaseName.of(ch.database), bundled).applied();
        assertEquals(1, history.getFirst().version());
        assertEquals("init", history.getFirst().name());
        assertEquals(bundled.getFirst().checksum(), history.getFirst().checksum());

        assertEquals(List.of("deleted_distinct_ids", "events", "group_type_mapping", "groups", "ingestion_warnings", "person_deletions",
                        "person_distinct_ids", "person_distinct_ids_v009", "person_overrides", "person_overrides_v009", "persons", "persons_v009",
                        "schema_migrations", "sessions", "sessions_aggregated_v2", "sessions_mv_v2", "sessions_with_bots"),
                ch.query("SELECT name FROM system.tables WHERE database = '{db}' ORDER BY name").stream().map(r -> r.getString(1)).toList());
        GenericRecord events = ch.query("SELECT engine, sorting_key, partition_key, sampling_key, create_table_query FROM system.tables "
                + "WHERE database = '{db}' AND name = 'events'").getFirst();
        assertEquals("ReplacingMergeTree", events.getString("engine"));
        assertEquals("toDate(timestamp), event, cityHash64(distinct_id), cityHash64(uuid)", events.getString("sorting_key"));
        assertEquals("toYYYYMM(timestamp)", events.getString("partition_key"));
        assertEquals("cityHash64(distinct_id)", events.getString("sampling_key"));
        assertTrue(events.getString("create_table_query").contains("non_replicated_deduplication_window = 10000"),
                events.getString("create_table_query"));
        assertEquals(EVENTS_COLUMNS, ch.query("SELECT name, type FROM system.columns WHERE database = '{db}' AND table = 'events' ORDER BY position")
                .stream().map(r -> r.getString("name") + " " + r.getString("type")).toList());
        assertEquals("CODEC(ZSTD(3))", ch.query("SELECT compression_codec FROM system.columns WHERE database = '{db}' AND table = 'events' "
                + "AND name = 'properties'").getFirst().getString(1));
        assertEquals(List.of("idx_distinct_id bloom_filter distinct_id", "idx_inserted_at minmax inserted_at",
                        "idx_mat_browser bloom_filter mat_browser", "idx_mat_device_type bloom_filter mat_device_type",
                        "idx_mat_geoip_country_code bloom_filter mat_geoip_country_code",
                        "idx_mat_lib bloom_filter mat_lib", "idx_mat_os bloom_filter mat_os", "idx_mat_pathname bloom_filter mat_pathname",
                        "idx_mat_referrer bloom_filter mat_referrer", "idx_mat_referring_domain bloom_filter mat_referring_domain",
                        "idx_mat_screen_width minmax mat_screen_width", "idx_mat_utm_campaign bloom_filter mat_utm_campaign",
                        "idx_mat_utm_medium bloom_filter mat_utm_medium", "idx_mat_utm_source bloom_filter mat_utm_source",
                        "idx_session_id bloom_filter session_id", "idx_window_id bloom_filter window_id"),
                ch.query("SELECT name, type, expr FROM system.data_skipping_indices WHERE database = '{db}' AND table = 'events' ORDER BY name")
                        .stream().map(r -> r.getString("name") + " " + r.getString("type") + " " + r.getString("expr")).toList());
        for (String table : List.of("persons", "person_distinct_ids")) {
            GenericRecord t = ch.query("SELECT engine, engine_full FROM system.tables WHERE database = '{db}' AND name = '" + table + "'").getFirst();
            assertEquals("ReplacingMergeTree", t.getString("engine"), table);
            assertTrue(t.getString("engine_full").startsWith("ReplacingMergeTree(version)"), t.getString("engine_full"));
        }
    }

    @Test
    void theSecondRunIsANoOp() throws Exception {
        List<Migration> bundled = MigrationSource.bundled();
        new SchemaMigrator(ch.client, DatabaseName.of(ch.database), bundled).migrate(m -> { });
        List<AppliedMigration> before = new SchemaMigrator(ch.client, DatabaseName.of(ch.database), bundled).applied();

        List<Migration> second = new SchemaMigrator(ch.client, DatabaseName.of(ch.database), bundled).migrate(m -> { });

        assertEquals(List.of(), second);
        assertEquals(before, new SchemaMigrator(ch.client, DatabaseName.of(ch.database), bundled).applied(), "same rows, same applied_at");
        assertEquals(bundled.size(), ch.longValue("SELECT count() FROM {db}.schema_migrations"), "no new record, even before merges");
    }

    @Test
    void aLaterMigrationIsAppliedAloneOnTheNextRun(@TempDir Path dir) throws Exception {
        copyBundled(dir);
        new SchemaMigrator(ch.client, DatabaseName.of(ch.database), MigrationSource.fromDirectory(dir)).migrate(m -> { });
        Files.writeString(dir.resolve("V900__add_column.sql"),
                "ALTER TABLE {{DATABASE}}.events ADD COLUMN IF NOT EXISTS lib LowCardinality(String) DEFAULT '';\n");

        List<Migration> applied = new SchemaMigrator(ch.client, DatabaseName.of(ch.database), MigrationSource.fromDirectory(dir)).migrate(m -> { });

        assertEquals(List.of("V900__add_column.sql"), applied.stream().map(Migration::fileName).toList());
        assertEquals(1, ch.longValue("SELECT count() FROM system.columns WHERE database = '{db}' AND table = 'events' AND name = 'lib'"));
        assertEquals(900, new SchemaMigrator(ch.client, DatabaseName.of(ch.database), List.of()).currentVersion());
    }

    @Test
    void aChangedAppliedMigrationStopsTheRunAndNamesTheFile(@TempDir Path dir) throws Exception {
        copyBundled(dir);
        new SchemaMigrator(ch.client, DatabaseName.of(ch.database), MigrationSource.fromDirectory(dir)).migrate(m -> { });
        Files.writeString(dir.resolve("V001__init.sql"), "-- an innocent-looking edit\n", StandardOpenOption.APPEND);
        Files.writeString(dir.resolve("V900__add_column.sql"),
                "ALTER TABLE {{DATABASE}}.events ADD COLUMN IF NOT EXISTS lib LowCardinality(String) DEFAULT '';\n");

        var error = assertThrows(MigrationException.class,
                () -> new SchemaMigrator(ch.client, DatabaseName.of(ch.database), MigrationSource.fromDirectory(dir)).migrate(m -> { }));

        assertEquals(MigrationException.Reason.CHECKSUM_MISMATCH, error.reason());
        assertTrue(error.getMessage().startsWith("migration V001__init.sql was changed after it was applied to database " + ch.database),
                error.getMessage());
        assertEquals(0, ch.longValue("SELECT count() FROM system.columns WHERE database = '{db}' AND table = 'events' AND name = 'lib'"),
                "nothing after the refusal was applied");
        assertEquals(MigrationSource.bundled().getLast().version(), new SchemaMigrator(ch.client, DatabaseName.of(ch.database), List.of()).currentVersion());
    }

    @Test
    void aFailingStatementNamesFileStatementAndLineAndIsNotRecorded(@TempDir Path dir) throws Exception {
        copyBundled(dir);
        Files.writeString(dir.resolve("V900__broken.sql"), """
                -- first statement is fine
                CREATE TABLE IF NOT EXISTS {{DATABASE}}.fine (a UInt8) ENGINE = MergeTree ORDER BY a;

                CREATE TABLE IF NOT EXISTS {{DATABASE}}.broken (a NoSuchType) ENGINE = MergeTree ORDER BY a;
                """);

        var error = assertThrows(MigrationException.class,
                () -> new SchemaMigrator(ch.client, DatabaseName.of(ch.database), MigrationSource.fromDirectory(dir)).migrate(m -> { }));

        assertEquals(MigrationException.Reason.SQL, error.reason());
        assertTrue(error.getMessage().startsWith("V900__broken.sql statement 2 (line 4) `CREATE TABLE IF NOT EXISTS " + ch.database
                + ".broken (a NoSuchType)"), error.getMessage());
        assertTrue(error.getMessage().contains("NoSuchType"), error.getMessage());
        assertFalse(error.getMessage().contains("\n"));
        assertEquals(MigrationSource.bundled().getLast().version(), new SchemaMigrator(ch.client, DatabaseName.of(ch.database), List.of()).currentVersion(),
                "the bundled ones recorded, V900 not");
    }

    @Test
    void concurrentMigratorsAllSucceedAndLeaveOneRecordPerVersion(@TempDir Path dir) throws Exception {
        copyBundled(dir);
        Files.writeString(dir.resolve("V900__add_column.sql"),
                "ALTER TABLE {{DATABASE}}.events ADD COLUMN IF NOT EXISTS lib LowCardinality(String) DEFAULT '';\n");
        List<Migration> migrations = MigrationSource.fromDirectory(dir);
        int runs = 4;
        CyclicBarrier start = new CyclicBarrier(runs);
        ExecutorService pool = Executors.newFixedThreadPool(runs);
        List<Client> clients = new ArrayList<>();
        try {
            List<Future<List<Migration>>> results = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                Client client = ch.newClient();
                clients.add(client);
                results.add(pool.submit(() -> {
                    start.await(30, TimeUnit.SECONDS);
                    return new SchemaMigrator(client, DatabaseName.of(ch.database), migrations).migrate(m -> { });
                }));
            }
            for (Future<List<Migration>> result : results) {
                result.get(120, TimeUnit.SECONDS); // throws if any run failed
            }
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
            for (Client client : clients) {
                client.close();
            }
        }
        assertOneRecordPerVersion(ch, migrations);
        assertEquals(1, ch.longValue("SELECT count() FROM system.columns WHERE database = '{db}' AND table = 'events' AND name = 'lib'"));
    }

    static void assertOneRecordPerVersion(TestClickHouse ch, List<Migration> migrations) {
        List<String> seen = ch.query("SELECT version, count() AS n, any(checksum) AS checksum FROM {db}.schema_migrations FINAL "
                        + "GROUP BY version ORDER BY version").stream()
                .map(r -> r.getLong("version") + ":" + r.getLong("n") + ":" + r.getString("checksum")).toList();
        assertEquals(migrations.stream().map(m -> m.version() + ":1:" + m.checksum()).toList(), seen);
    }

    private static void copyBundled(Path dir) throws Exception {
        for (Migration m : MigrationSource.bundled()) {
            Files.writeString(dir.resolve(m.fileName()), m.sql());
        }
    }
}
