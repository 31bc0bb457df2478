package com.clickhouse.analytics.bench.clickhouse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.clickhouse.analytics.local.clickhouse.ClickHouseEndpoint;
import com.clickhouse.analytics.local.clickhouse.LocalClickHouse;
import com.clickhouse.analytics.ops.config.DatabaseName;
import com.clickhouse.analytics.schema.migration.Migration;
import com.clickhouse.analytics.schema.migration.MigrationSource;
import com.clickhouse.analytics.schema.migration.SchemaMigrator;
import com.clickhouse.client.api.Client;

/**
 * Not a test: what the sessions materialized view costs the inserts into {@code events}. The same
 * generated events (about 30 per session, sessions spread over every insert, JSON properties of
 * ≈ 300 bytes with referrers and UTM tags on some) are inserted in {@code -Dbatches} inserts of
 * {@code -Drows} rows into the events table of four schemas, each in a fresh database of one local
 * ClickHouse:
 * <ul>
 *   <li>{@code plain}: V001 alone (no property columns, no materialized view);</li>
 *   <li>{@code columns}: every bundled migration, the sessions materialized views dropped (the
 *       property columns' share);</li>
 *   <li>{@code v002}: the migrations before V008, i.e. V002's materialized view;</li>
 *   <li>{@code current}: every bundled migration, i.e. today's sessions materialized view.</li>
 * </ul>
 * The source rows sit in a Memory table, so a round times the events table's insert path alone
 * (parts, materialized columns, skip indexes, the view), with background merges stopped. Measured:
 * wall-clock time and the engine process's CPU time (from {@code /proc}) over the inserts; on a
 * shared machine the CPU time is the figure to compare, and its minimum over rounds the least
 * disturbed. Rounds alternate the schemas. Command and figures: docs/benchmarks.md.
 */
public final class SessionsViewBenchmark {

    private static final int ROWS = Integer.getInteger("rows", 50_000);
    private static final int BATCHES = Integer.getInteger("batches", 5);
    private static final int ROUNDS = Integer.getInteger("rounds", 3);
    private static final int V008 = 8;

    /** The columns the writer inserts that every schema has; is_bot and bot_reason where V004 added them. */
    private static final String V001_COLUMNS = "uuid, api_key, event, distinct_id, person_id, properties, timestamp, sent_at, "
            + "received_at, session_id, window_id, current_url, host, elements_chain, ip, user_agent";

    private SessionsViewBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        try (LocalClickHouse clickHouse = LocalClickHouse.startTemporary();
             Client client = client(clickHouse.endpoint())) {
            int total = ROWS * BATCHES;
            execute(client, "CREATE DATABASE IF NOT EXISTS bench_source");
            execute(client, "CREATE TABLE bench_source.events ENGINE = Memory AS " + sourceRows(total));
            long pid = clickHouse.pid().orElseThrow();
            Map<String, double[]> seconds = new LinkedHashMap<>();
            Map<String, double[]> cpu = new LinkedHashMap<>();
            for (String schema : List.of("plain", "columns", "v002", "current")) {
                seconds.put(schema, new double[ROUNDS]);
                cpu.put(schema, new double[ROUNDS]);
            }
            for (int round = 0; round < ROUNDS; round++) {
                StringBuilder line = new StringBuilder("round " + (round + 1) + ":");
                for (var entry : seconds.entrySet()) {
                    String schema = entry.getKey();
                    String db = "bench_" + schema;
                    execute(client, "DROP DATABASE IF EXISTS " + db + " SYNC");
                    prepare(client, db, schema);
                    String columns = V001_COLUMNS + (schema.equals("plain") ? "" : ", is_bot, bot_reason");
                    execute(client, "SYSTEM STOP MERGES"); // merges would land in whichever round comes next
                    double cpuBefore = cpuSeconds(pid);
                    long started = System.nanoTime();
                    for (int batch = 0; batch < BATCHES; batch++) {
                        execute(client, "INSERT INTO " + db + ".events (" + columns + ") SELECT " + columns
                                + " FROM bench_source.events WHERE n >= " + (long) batch * ROWS + " AND n < " + (long) (batch + 1) * ROWS);
                    }
                    entry.getValue()[round] = (System.nanoTime() - started) / 1e9;
                    cpu.get(schema)[round] = cpuSeconds(pid) - cpuBefore;
                    execute(client, "SYSTEM START MERGES");
                    check(client, db, total);
                    line.append(String.format("  %s %.2f s (CPU %.2f s)", schema, entry.getValue()[round], cpu.get(schema)[round]));
                }
                System.out.println(line);
            }
            System.out.printf("%n%d inserts of %,d event rows, %d rounds (engine CPU: min / median; wall clock: median):%n",
                    BATCHES, ROWS, ROUNDS);
            double columns = min(cpu.get("columns"));
            for (String schema : seconds.keySet()) {
                double c = min(cpu.get(schema));
                System.out.printf("  %-8s CPU %5.2f s / %5.2f s  (%.2f x columns)   wall %5.2f s%n",
                        schema, c, median(cpu.get(schema)), c / columns, median(seconds.get(schema)));
            }
            // The views' own share: each round's CPU minus the same round's `columns` (paired, so a busy round cancels out).
            for (String schema : List.of("v002", "current")) {
                double[] share = new double[ROUNDS];
                for (int round = 0; round < ROUNDS; round++) {
                    share[round] = cpu.get(schema)[round] - cpu.get("columns")[round];
                }
                System.out.printf("  the %s view's CPU (%s - columns, per round): median %.2f s, min %.2f s%n",
                        schema, schema, median(share), min(share));
            }
        }
    }

    private static void prepare(Client client, String db, String schema) throws Exception {
        List<Migration> bundled = MigrationSource.bundled();
        List<Migration> migrations = switch (schema) {
            case "plain" -> bundled.subList(0, 1);
            case "v002" -> bundled.stream().filter(m -> m.version() < V008).toList();
            default -> bundled;
        };
        new SchemaMigrator(client, DatabaseName.of(db), migrations, Duration.ofMinutes(10)).migrate(m -> { });
        if (schema.equals("columns")) {
            for (var row : client.queryAll("SELECT name FROM system.tables WHERE database = '" + db + "' AND engine = 'MaterializedView'")) {
                execute(client, "DROP VIEW " + db + "." + row.getString(1) + " SYNC");
            }
        }
    }

    private static void check(Client client, String db, long expected) {
        long count = client.queryAll("SELECT count() FROM " + db + ".events").getFirst().getLong(1);
        if (count != expected) {
            throw new IllegalStateException(db + ": expected " + expected + " rows, found " + count);
        }
    }

    /**
     * Rows shaped like a site's traffic: 8 event names, pageviews and autocaptures with one of 500
     * URLs, about 30 events per session spread over all inserts, 1 in 50 sessions a crawler's.
     */
    private static String sourceRows(int total) {
        int sessions = Math.max(1, total / 30);
        return """
                SELECT number AS n,
                    generateUUIDv4(number) AS uuid,
                    'phc_bench' AS api_key,
                    ['$pageview', '$pageview', '$autocapture', '$autocapture', '$pageleave', '$identify', 'signup', 'purchase'][1 + cityHash64(number, 1) %% 8] AS event,
                    cityHash64(number, 2) %% %d AS s,
                    'user-' || toString(s %% 7919) AS distinct_id,
                    toUUID(concat('00000000-0000-4000-8000-', leftPad(toString(s %% 7919), 12, '0'))) AS person_id,
                    toDateTime64('2026-03-02 00:00:00', 6, 'UTC') + toIntervalMillisecond(number * 10) AS timestamp,
                    CAST(NULL, 'Nullable(DateTime64(6, \\'UTC\\'))') AS sent_at,
                    timestamp + toIntervalMillisecond(150) AS received_at,
                    concat('0190', leftPad(hex(s), 28, '0')) AS session_id,
                    session_id AS window_id,
                    if(event IN ('$pageview', '$autocapture', '$pageleave'), concat('https://example.com/page/', toString(cityHash64(number, 3) %% 500)), '') AS current_url,
                    if(current_url = '', '', 'example.com') AS host,
                    if(event = '$autocapture', 'button.btn:text="Sign up"nth-child="1"', '') AS elements_chain,
                    concat('203.0.', toString(s %% 250), '.', toString(s %% 200)) AS ip,
                    'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0' AS user_agent,
                    toUInt8(s %% 50 = 0) AS is_bot,
                    if(is_bot = 1, 'crawler_list', '') AS bot_reason,
                    concat('{"$current_url":"', current_url, '","$pathname":"/page/', toString(cityHash64(number, 3) %% 500),
                        '","$browser":"Firefox","$os":"Linux","$device_type":"Desktop","$screen_width":', toString(1024 + s %% 1000),
                        ',"$lib":"posthog-js","$lib_version":"1.200.0","$session_id":"', session_id, '"',
                        if(cityHash64(number, 4) %% 4 = 0, concat(',"$referrer":"https://search.example/q', toString(s %% 40), '"'), ''),
                        if(s %% 3 = 0, concat(',"utm_source":"news', toString(s %% 7), '","utm_medium":"email","utm_campaign":"spring"'), ''),
                        ',"plan":"', if(s %% 2 = 0, 'free', 'team'), '"}') AS properties
                FROM numbers(%d)""".formatted(sessions, total);
    }

    private static void execute(Client client, String sql) throws Exception {
        client.execute(sql).get(10, TimeUnit.MINUTES).close();
    }

    private static Client client(ClickHouseEndpoint endpoint) {
        return new Client.Builder().addEndpoint(endpoint.url()).setUsername(endpoint.user()).setPassword(endpoint.password())
                .setSocketTimeout(10, ChronoUnit.MINUTES).build();
    }

    /** utime + stime of process {@code pid}, in seconds (Linux; clock ticks of 1/100 s). */
    private static double cpuSeconds(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" "); // the name may hold spaces
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0;
    }

    private static double min(double[] values) {
        return Arrays.stream(values).min().orElseThrow();
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
