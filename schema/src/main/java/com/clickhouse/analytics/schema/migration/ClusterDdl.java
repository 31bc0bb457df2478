package com.clickhouse.analytics.schema.migration;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.clickhouse.analytics.ops.config.DatabaseName;

/**
 * The cluster variant of the migrations, for {@code CLICKHOUSE_CLUSTER}: each statement of the
 * bundled (single-server) files rewritten so that DDL runs {@code ON CLUSTER} and tables use the
 * {@code Replicated…MergeTree} engines. Where a table's rows live decides its Keeper path:
 * <ul>
 *   <li>{@link #PER_SHARD} tables — {@code events} and what is written per event (the sessions
 *       states its materialized views fill, the warnings) — hold each shard's own rows:
 *       {@code /clickhouse/tables/{shard}/<db>/<table>}, replica {@code {replica}};</li>
 *   <li>every other table — the identity tables the writer reads back {@code FINAL} from the node it
 *       connects to, the deletion list every writer must see, the audit, the migration record — holds
 *       every row on every node, as PostHog keeps its person tables:
 *       {@code /clickhouse/tables/noshard/<db>/<table>}, replica {@code {replica}-{shard}} (all nodes of
 *       the cluster are replicas of one path, so a replica name must be unique across shards, where
 *       {@code {replica}} alone may repeat).</li>
 * </ul>
 * Tables that receive the writer's deduplicated inserts get
 * {@code replicated_deduplication_window} set explicitly ({@link #DEDUPLICATION_WINDOW}); the
 * non-replicated window does not apply to replicated tables. Plus what only a cluster needs: the
 * replicated {@code schema_migrations} and the {@code Distributed} read tables: {@code events_distributed}
 * sharded by {@code cityHash64(distinct_id)} — the rule the writer routes rows by — so one person's
 * events, replays included, live on one shard and {@code FINAL} collapses them there; and
 * {@code ingestion_warnings_distributed}.
 *
 * <p>The rewrite is textual and covers the statement shapes the bundled migrations use (a test
 * parses every rewritten statement with the engine's parser and checks these rules); a new shape
 * that it does not recognise fails {@link #rewrite} instead of running unreplicated.
 *
 * @param cluster the cluster name as in the server's {@code remote_servers}
 */
public record ClusterDdl(String cluster) {

    /**
     * Inserts remembered per replicated table for deduplication. A replay repeats a batch that was
     * written shortly before (a writer killed between insert and commit restarts within minutes),
     * and each partition inserts at most about one batch per second: 10,000 covers a replay after
     * ~5 minutes with 32 busy partitions, ~80 minutes with 2. Older replays still collapse under
     * FINAL through the ReplacingMergeTree key.
     */
    public static final int DEDUPLICATION_WINDOW = 10_000;

    /**
     * The tables whose rows are split over the shards: {@code events} (sharded by
     * {@code cityHash64(distinct_id)}, inserted per shard by the writer with {@code CLICKHOUSE_SHARDS}),
     * the sessions states fed by materialized views on {@code events} (a view fires on the node that
     * takes the insert, so its states are that shard's), and {@code ingestion_warnings} (written per
     * event, read through {@code ingestion_warnings_distributed}). Any other table is replicated to every
     * node; a new table must be named here or in {@link #EVERY_NODE} ({@code ClusterDdlTest} checks).
     */
    public static final Set<String> PER_SHARD = Set.of("events", "sessions_aggregated", "sessions_aggregated_v2", "ingestion_warnings");

    /**
     * The tables every node holds in full: persons, distinct ids, overrides, groups and group types
     * (the writer reads them from its own node and must see what writers on other shards wrote), the
     * deletion list (every writer enforces it) and its audit, and {@code schema_migrations} (the DDL runs
     * on the whole cluster, so its record is the cluster's: a migrator connected to any node sees it).
     */
    public static final Set<String> EVERY_NODE = Set.of("schema_migrations", "persons", "person_distinct_ids", "person_overrides",
            "groups", "group_type_mapping", "deleted_distinct_ids", "person_deletions",
            // V009's rebuilds of the identity tables (swapped in by EXCHANGE, then the pre-V009 backup)
            "persons_v009", "person_distinct_ids_v009", "person_overrides_v009");

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]{0,99}");
    private static final Pattern CREATE = Pattern.compile(
            "^(\\s*(?:--[^\\n]*\\n\\s*)*CREATE\\s+(?:OR\\s+REPLACE\\s+)?(?:MATERIALIZED\\s+)?(?:TABLE|VIEW)\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?)(\\w+)\\.(\\w+)",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern ALTER = Pattern.compile("^(\\s*(?:ALTER\\s+TABLE|DELETE\\s+FROM)\\s+)(\\w+)\\.(\\w+)", Pattern.CASE_INSENSITIVE);
    private static final Pattern ENGINE = Pattern.compile("ENGINE\\s*=\\s*(Replacing|Aggregating|Summing)?MergeTree(?:\\((\\w*)\\))?");

    public ClusterDdl {
        Objects.requireNonNull(cluster, "cluster");
        if (!NAME.matcher(cluster).matches()) {
            throw new IllegalArgumentException("CLICKHOUSE_CLUSTER must be a plain cluster name, got '" + cluster + "'");
        }
    }

    /** {@code ON CLUSTER '<name>'}. */
    public String onCluster() {
        return "ON CLUSTER '" + cluster + "'";
    }

    /** One statement of a bundled migration, for the cluster. */
    public String rewrite(String sql) throws MigrationException {
        String code = SqlStatementSplitter.withoutComments(sql).strip();
        String upper = code.toUpperCase(Locale.ROOT);
        if (upper.startsWith("INSERT")) {
            // Runs on the node the migrator is connected to, i.e. for that node's shard; see schema/README.md.
            return code;
        }
        Matcher create = CREATE.matcher(code);
        if (create.find()) {
            String table = create.group(3);
            String out = create.group(1) + create.group(2) + "." + table + " " + onCluster() + code.substring(create.end());
            return upper.startsWith("CREATE TABLE") ? replicated(out, create.group(2), table) : out;
        }
        Matcher alter = ALTER.matcher(code);
        if (alter.find()) {
            return alter.group(1) + alter.group(2) + "." + alter.group(3) + " " + onCluster() + code.substring(alter.end());
        }
        if (upper.startsWith("DROP") || upper.startsWith("EXCHANGE TABLES")) {
            return code + " " + onCluster();
        }
        throw new MigrationException(MigrationException.Reason.INVALID_MIGRATION,
                "cannot adapt this statement for CLICKHOUSE_CLUSTER: " + code.substring(0, Math.min(80, code.length())));
    }

    private String replicated(String sql, String database, String table) throws MigrationException {
        Matcher engine = ENGINE.matcher(sql);
        if (!engine.find()) {
            throw new MigrationException(MigrationException.Reason.INVALID_MIGRATION,
                    "cannot adapt the engine of " + database + "." + table + " for CLICKHOUSE_CLUSTER");
        }
        String family = engine.group(1) == null ? "" : engine.group(1);
        String args = (PER_SHARD.contains(table) ? "'/clickhouse/tables/{shard}/" : "'/clickhouse/tables/noshard/")
                + database + "/" + table + "', " + (PER_SHARD.contains(table) ? "'{replica}'" : "'{replica}-{shard}'")
                + (engine.group(2) == null || engine.group(2).isEmpty() ? "" : ", " + engine.group(2));
        String out = sql.substring(0, engine.start()) + "ENGINE = Replicated" + family + "MergeTree(" + args + ")" + sql.substring(engine.end());
        if (out.contains("non_replicated_deduplication_window")) {
            out = out.replaceFirst("non_replicated_deduplication_window\\s*=\\s*\\d+", "replicated_deduplication_window = " + DEDUPLICATION_WINDOW);
        }
        return out;
    }

    /** {@code CREATE DATABASE} on every node. */
    public String createDatabase(DatabaseName database) {
        return "CREATE DATABASE IF NOT EXISTS " + database + " " + onCluster();
    }

    /**
     * The statements a cluster needs beyond the migrations: the Distributed read tables over the
     * per-shard data, {@code events_distributed} (sharded like the writer routes, by
     * {@code cityHash64(distinct_id)}) and {@code ingestion_warnings_distributed} (read only: no sharding
     * key, so an insert into it is refused on a cluster of several shards).
     */
    public List<String> readTables(DatabaseName database) {
        return List.of("CREATE TABLE IF NOT EXISTS " + database + ".events_distributed " + onCluster() + " AS " + database + ".events"
                        + " ENGINE = Distributed('" + cluster + "', '" + database + "', 'events', cityHash64(distinct_id))",
                "CREATE TABLE IF NOT EXISTS " + database + ".ingestion_warnings_distributed " + onCluster() + " AS " + database
                        + ".ingestion_warnings ENGINE = Distributed('" + cluster + "', '" + database + "', 'ingestion_warnings')");
    }
}
