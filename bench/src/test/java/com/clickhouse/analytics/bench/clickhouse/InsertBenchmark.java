package com.clickhouse.analytics.bench.clickhouse;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.clickhouse.analytics.local.clickhouse.ClickHouseEndpoint;
import com.clickhouse.analytics.local.clickhouse.LocalClickHouse;
import com.clickhouse.client.api.Client;
import com.clickhouse.data.ClickHouseFormat;

/**
 * Not a test: how much the HTTP path costs. Inserts the same 500,000 realistic event rows
 * (RowBinary, the writer's format) once through client-v2 into the local ClickHouse and once
 * by the engine reading them from a file itself ({@code INSERT … SELECT FROM file(…)}), several
 * rounds each, and prints both rates. Command: see docs/benchmarks.md.
 */
public final class InsertBenchmark {

    private static final int ROWS = Integer.getInteger("rows", 500_000); // -Drows=13158: the writer's batch size
    private static final int ROUNDS = Integer.getInteger("rounds", 5); // -Drounds=N for a quick look
    private static final String COLUMNS = "uuid UUID, event LowCardinality(String), distinct_id String, person_id UUID, "
            + "timestamp DateTime64(3, 'UTC'), properties String CODEC(ZSTD(3)), api_key LowCardinality(String), "
            + "created_at DateTime64(3, 'UTC')";

    private InsertBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        byte[] rows = rows();
        Path file = Files.createTempFile("cpa-bench-", ".rowbinary");
        Files.write(file, rows);
        try (LocalClickHouse clickHouse = LocalClickHouse.startTemporary();
             Client client = client(clickHouse.endpoint())) {
            client.execute("CREATE TABLE events (" + COLUMNS + ") ENGINE = ReplacingMergeTree "
                    + "ORDER BY (toDate(timestamp), event, cityHash64(distinct_id), cityHash64(uuid))").join();
            double[] viaClient = new double[ROUNDS];
            double[] viaEngine = new double[ROUNDS];
            for (int round = 0; round < ROUNDS; round++) {
                client.execute("TRUNCATE TABLE events").join();
                long started = System.nanoTime();
                client.execute("INSERT INTO events SELECT * FROM file('" + file + "', 'RowBinary')") // structure: the table's
                        .get(10, TimeUnit.MINUTES).close();
                viaEngine[round] = ROWS / seconds(started);
                check(client);

                client.execute("TRUNCATE TABLE events").join();
                started = System.nanoTime();
                client.insert("events", new ByteArrayInputStream(rows), ClickHouseFormat.RowBinary)
                        .get(10, TimeUnit.MINUTES).close();
                viaClient[round] = ROWS / seconds(started);
                check(client);
                System.out.printf("round %d: engine %,.0f rows/s, client-v2 over HTTP %,.0f rows/s%n",
                        round + 1, viaEngine[round], viaClient[round]);
            }
            double engine = median(viaEngine);
            double http = median(viaClient);
            System.out.printf("%n%,d event rows (%,.1f MB RowBinary), median of %d rounds:%n", ROWS, rows.length / 1e6, ROUNDS);
            System.out.printf("  engine, INSERT ... SELECT FROM file(...): %,10.0f rows/s%n", engine);
            System.out.printf("  client-v2 insert over HTTP:               %,10.0f rows/s  (%.0f %% of the engine)%n",
                    http, 100 * http / engine);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static void check(Client client) {
        long count = client.queryAll("SELECT count() FROM events").getFirst().getLong(1);
        if (count != ROWS) {
            throw new IllegalStateException("expected " + ROWS + " rows, found " + count);
        }
    }

    /** Events shaped like the product's: a few event names, ~1k people, JSON properties of ~200 bytes. */
    private static byte[] rows() {
        Random random = new Random(42);
        String[] events = {"$pageview", "$autocapture", "$identify", "signup", "purchase", "$pageleave"};
        long base = 1_735_689_600_000L;
        ByteArrayOutputStream out = new ByteArrayOutputStream(ROWS * 330);
        for (int i = 0; i < ROWS; i++) {
            uuid(out, new UUID(random.nextLong(), random.nextLong()));
            string(out, events[random.nextInt(events.length)]);
            int person = random.nextInt(1000);
            string(out, "user-" + person);
            uuid(out, new UUID(person, person * 31L));
            long ts = base + i * 7L;
            int64(out, ts);
            string(out, "{\"$current_url\":\"https://example.com/page/" + random.nextInt(500) + "\",\"$browser\":\"Firefox\","
                    + "\"$os\":\"Linux\",\"$screen_width\":" + (1024 + random.nextInt(1000)) + ",\"plan\":\""
                    + (random.nextBoolean() ? "free" : "team") + "\",\"$lib\":\"posthog-js\",\"$lib_version\":\"1.200.0\","
                    + "\"$session_id\":\"" + Long.toHexString(random.nextLong()) + "\"}");
            string(out, "phc_local_benchmark_key");
            int64(out, ts + 150);
        }
        return out.toByteArray();
    }

    private static void uuid(ByteArrayOutputStream out, UUID uuid) {
        int64(out, uuid.getMostSignificantBits()); // RowBinary UUID: two little-endian halves, high first
        int64(out, uuid.getLeastSignificantBits());
    }

    private static void int64(ByteArrayOutputStream out, long v) {
        for (int i = 0; i < 8; i++) {
            out.write((int) (v >>> (8 * i)));
        }
    }

    private static void string(ByteArrayOutputStream out, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        int length = bytes.length;
        while ((length & ~0x7F) != 0) {
            out.write((length & 0x7F) | 0x80);
            length >>>= 7;
        }
        out.write(length);
        out.writeBytes(bytes);
    }

    private static Client client(ClickHouseEndpoint endpoint) {
        return new Client.Builder().addEndpoint(endpoint.url()).setUsername(endpoint.user()).setPassword(endpoint.password())
                .setSocketTimeout(10, ChronoUnit.MINUTES).build();
    }

    private static double seconds(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1e9;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
