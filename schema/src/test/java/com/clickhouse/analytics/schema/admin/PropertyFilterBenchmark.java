package com.clickhouse.analytics.schema.admin;

import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.clickhouse.analytics.local.clickhouse.ClickHouseEndpoint;
import com.clickhouse.analytics.local.clickhouse.LocalClickHouse;
import com.clickhouse.analytics.ops.config.DatabaseName;
import com.clickhouse.analytics.schema.migration.MigrationSource;
import com.clickhouse.analytics.schema.migration.SchemaMigrator;
import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.QueryResponse;
import com.clickhouse.client.api.query.QuerySettings;
import com.clickhouse.data.ClickHouseFormat;

/**
 * A typical filter — one month, {@code $pathname = '/pricing'} — on the JSON text versus the
 * materialized column {@code mat_pathname} (V003) with its bloom-filter index, on the same table.
 * Prints the median wall time and the granules the indexes let through for each. Self-contained: a temporary local
 * ClickHouse unless {@code CLICKHOUSE_URL} is set; {@code --rows=N} (default 2,000,000, spread over
 * March 2026 plus a week on each side), {@code --runs=N} (default 7).
 */
public final class PropertyFilterBenchmark {

    private PropertyFilterBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        long rows = 2_000_000;
        int runs = 7;
        for (String arg : args) {
            if (arg.startsWith("--rows=")) {
                rows = Long.parseLong(arg.substring(7));
            } else if (arg.startsWith("--runs=")) {
                runs = Integer.parseInt(arg.substring(7));
            } else {
                throw new IllegalArgumentException("usage: PropertyFilterBenchmark [--rows=N] [--runs=N]");
            }
        }
        String url = System.getenv("CLICKHOUSE_URL");
        try (LocalClickHouse local = url == null ? LocalClickHouse.startTemporary() : null) {
            ClickHouseEndpoint endpoint = local != null ? local.endpoint()
                    : new ClickHouseEndpoint(url, System.getenv().getOrDefault("CLICKHOUSE_USER", "default"),
                    System.getenv().getOrDefault("CLICKHOUSE_PASSWORD", ""));
            try (Client client = new Client.Builder().addEndpoint(endpoint.url()).setUsername(endpoint.user()).setPassword(endpoint.password())
                    .setSocketTimeout(30, ChronoUnit.MINUTES).build()) {
                String db = "bench_property_filter_" + System.nanoTime();
                new SchemaMigrator(client, DatabaseName.of(db), MigrationSource.bundled()).migrate(m -> { });
                long started = System.nanoTime();
                // 45 days around March 2026; eight paths, ~300-byte property objects like posthog-js sends.
                client.execute("INSERT INTO " + db + ".events (uuid, api_key, event, distinct_id, person_id, properties, timestamp, received_at,"
                        + " session_id, window_id, current_url, host, elements_chain, ip, user_agent)"
                        + " SELECT generateUUIDv4(number), 'phc_bench', if(number % 10 = 0, '$autocapture', '$pageview'),"
                        + " concat('user-', toString(number % 50000)), generateUUIDv4(number % 50000),"
                        + " concat('{\"$current_url\":\"https://shop.example.com', p, '\",\"$pathname\":\"', p, '\",\"$browser\":\"Firefox\","
                        + "\"$os\":\"Linux\",\"$screen_width\":', toString(1024 + number % 900), ',\"$lib\":\"web\",\"$lib_version\":\"1.160.0\","
                        + "\"$referrer\":\"https://www.google.com/\",\"$referring_domain\":\"www.google.com\",\"plan\":\"pro\",\"cart_value\":',"
                        + " toString(number % 10000), '}'),"
                        + " toDateTime64('2026-02-22 00:00:00', 6, 'UTC') + toIntervalMicrosecond(number * intDiv(45 * 86400 * 1000000, " + rows + ")),"
                        + " now64(6, 'UTC'), toString(number % 200000), '', concat('https://shop.example.com', p), 'shop.example.com', '', '', ''"
                        + " FROM (SELECT number, ['/', '/pricing', '/docs', '/blog', '/signup', '/cart', '/checkout', '/about'][1 + (cityHash64(number) % 8)]"
                        + " || if(cityHash64(number, 1) % 50 = 0, '', '/' || toString(cityHash64(number, 2) % 400)) AS p FROM numbers(" + rows + "))")
                        .get(30, TimeUnit.MINUTES).close();
                client.execute("OPTIMIZE TABLE " + db + ".events FINAL").get(30, TimeUnit.MINUTES).close();
                System.out.printf("loaded %,d events in %.1f s%n", rows, (System.nanoTime() - started) / 1e9);
                String month = " WHERE timestamp >= '2026-03-01' AND timestamp < '2026-04-01' AND ";
                measure(client, "JSONExtractString(properties, '$pathname')", "SELECT count() FROM " + db + ".events" + month
                        + "JSONExtractString(properties, '$pathname') = '/pricing'", runs);
                measure(client, "mat_pathname (bloom filter)", "SELECT count() FROM " + db + ".events" + month
                        + "mat_pathname = '/pricing'", runs);
                client.execute("DROP DATABASE " + db).get(5, TimeUnit.MINUTES).close();
            }
        }
    }

    private static void measure(Client client, String label, String sql, int runs) throws Exception {
        List<Long> nanos = new ArrayList<>();
        String answer = "";
        for (int i = 0; i < runs + 1; i++) {
            long start = System.nanoTime();
            answer = text(client, sql);
            if (i > 0) { // the first run warms the page cache
                nanos.add(System.nanoTime() - start);
            }
        }
        Collections.sort(nanos);
        // What the indexes let through: the last "Granules: a/b" of EXPLAIN is after the skip index, if any.
        String explain = text(client, "EXPLAIN indexes = 1 " + sql);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("Granules: (\\d+/\\d+)").matcher(explain);
        String granules = "?";
        while (m.find()) {
            granules = m.group(1);
        }
        System.out.printf("%-45s median %7.1f ms  granules read %s  (answer %s, %d runs)%n", label,
                nanos.get(nanos.size() / 2) / 1e6, granules, answer, runs);
    }

    private static String text(Client client, String sql) throws Exception {
        try (QueryResponse response = client.query(sql, new QuerySettings().setFormat(ClickHouseFormat.TabSeparated))
                .get(10, TimeUnit.MINUTES)) {
            return new String(response.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
        }
    }
}
