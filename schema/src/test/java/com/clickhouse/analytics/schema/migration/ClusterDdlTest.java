package com.clickhouse.analytics.schema.migration;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.clickhouse.analytics.ops.config.DatabaseName;
import com.clickhouse.analytics.testkit.TestClickHouse;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CLICKHOUSE_CLUSTER variant of every bundled statement, checked by the engine's own parser
 * ({@code formatQuery}) and against the cluster rules. No cluster runs here (chDB has no Keeper), so
 * what is checked is that the SQL is valid ClickHouse and says the right things: every DDL statement
 * {@code ON CLUSTER}, each table Replicated with the Keeper path of its placement (a shard's own rows
 * under {@code {shard}}, every row on every node under {@code noshard}), and every table placed.
 */
class ClusterDdlTest {

    private static final ClusterDdl CLUSTER = new ClusterDdl("analytics");
    private static final Pattern CREATE_TABLE = Pattern.compile("CREATE TABLE IF NOT EXISTS \\w+\\.(\\w+) ");

    @Test
    void everyStatementParsesRunsOnClusterAndEveryTableIsReplicated() throws Exception {
        try (TestClickHouse ch = TestClickHouse.create("cluster_ddl")) {
            SchemaMigrator migrator = new SchemaMigrator(ch.client, DatabaseName.of(ch.database), MigrationSource.bundled(), Duration.ofMinutes(1), CLUSTER);
            List<String> statements = new ArrayList<>();
            statements.add(CLUSTER.createDatabase(DatabaseName.of(ch.database)));
            statements.add(migrator.historyTableSql());
            for (Migration m : MigrationSource.bundled()) {
                migrator.statements(m).forEach(s -> statements.add(s.sql()));
            }
            statements.addAll(CLUSTER.readTables(DatabaseName.of(ch.database)));
            int tables = 0;
            Set<String> created = new TreeSet<>();
            Set<String> readTables = new TreeSet<>();
            for (String sql : statements) {
                String formatted = ch.query("SELECT formatQuery(" + literal(sql) + ")").getFirst().getString(1);
                String flat = formatted.replaceAll("\\s+", " ");
                if (flat.startsWith("INSERT")) {
                    assertFalse(flat.contains("ON CLUSTER"), flat);
                    continue;
                }
                assertTrue(flat.contains(" ON CLUSTER analytics"), "runs on the cluster: " + flat);
                Matcher table = CREATE_TABLE.matcher(flat);
                if (table.lookingAt() && flat.contains("ENGINE = Distributed")) {
                    readTables.add(table.group(1));
                } else if (table.lookingAt()) {
                    tables++;
                    String name = table.group(1);
                    created.add(name);
                    if (ClusterDdl.PER_SHARD.contains(name)) {
                        assertTrue(flat.matches(".* ENGINE = Replicated\\w*MergeTree\\('/clickhouse/tables/\\{shard\\}/" + ch.database
                                + "/" + name + "', '\\{replica\\}'.*"), "a shard's own rows, replicated within the shard: " + flat);
                    } else {
                        assertTrue(flat.matches(".* ENGINE = Replicated\\w*MergeTree\\('/clickhouse/tables/noshard/" + ch.database
                                + "/" + name + "', '\\{replica\\}-\\{shard\\}'.*"), "every row on every node: " + flat);
                    }
                }
                if (flat.startsWith("CREATE TABLE IF NOT EXISTS " + ch.database + ".events ")) {
                    assertTrue(flat.contains("replicated_deduplication_window = " + ClusterDdl.DEDUPLICATION_WINDOW), flat);
                    assertFalse(flat.contains("non_replicated_deduplication_window"), flat);
                }
                if (flat.contains("events_distributed")) {
                    assertTrue(flat.contains("ENGINE = Distributed('analytics', '" + ch.database + "', 'events', cityHash64(distinct_id))"), flat);
                }
            }
            assertEquals(15, tables, "schema_migrations, the eight tables of V001-V003, the two of V006, V008's sessions_aggregated_v2"
                    + " and the three V009 rebuilds");
            // Every table is placed on purpose: a new one must be named in PER_SHARD or EVERY_NODE.
            Set<String> classified = new TreeSet<>(ClusterDdl.PER_SHARD);
            classified.addAll(ClusterDdl.EVERY_NODE);
            assertEquals(classified, created, "ClusterDdl.PER_SHARD + EVERY_NODE = the tables the migrations create");
            assertTrue(Collections.disjoint(ClusterDdl.PER_SHARD, ClusterDdl.EVERY_NODE));
            // The identity and lifecycle tables the writer reads from its own node hold every row there.
            assertTrue(ClusterDdl.EVERY_NODE.containsAll(Set.of("persons", "person_distinct_ids", "person_overrides", "groups",
                    "group_type_mapping", "deleted_distinct_ids")));
            assertEquals(Set.of("events_distributed", "ingestion_warnings_distributed"), readTables);
        }
    }

    @Test
    void unknownShapesAndBadNamesAreRefused() throws Exception {
        assertThrows(MigrationException.class, () -> CLUSTER.rewrite("RENAME TABLE db.a TO db.b"));
        assertThrows(MigrationException.class, () -> CLUSTER.rewrite("CREATE TABLE IF NOT EXISTS db.t (a UInt8) ENGINE = Log"));
        assertThrows(IllegalArgumentException.class, () -> new ClusterDdl("x'; DROP"));
        var error = assertThrows(MigrationException.class,
                () -> MigrateConfig.from(Map.of("CLICKHOUSE_URL", "http://ch:8123", "CLICKHOUSE_CLUSTER", "a b")));
        assertEquals(MigrationException.Reason.CONFIGURATION, error.reason());
        assertEquals("ALTER TABLE db.events ON CLUSTER 'analytics' MODIFY TTL toDateTime(timestamp) + INTERVAL 9 DAY",
                CLUSTER.rewrite("ALTER TABLE db.events MODIFY TTL toDateTime(timestamp) + INTERVAL 9 DAY"));
        assertEquals("DELETE FROM db.events ON CLUSTER 'analytics' WHERE distinct_id = 'a'",
                CLUSTER.rewrite("DELETE FROM db.events WHERE distinct_id = 'a'"));
    }

    private static String literal(String sql) {
        return "'" + sql.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
