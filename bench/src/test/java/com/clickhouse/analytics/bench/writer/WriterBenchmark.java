package com.clickhouse.analytics.bench.writer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

import com.clickhouse.analytics.local.clickhouse.ClickHouseEndpoint;
import com.clickhouse.analytics.local.kafka.KafkaBroker;
import com.clickhouse.analytics.local.process.ProcessStats;
import com.clickhouse.analytics.schema.migration.SchemaMigrator;
import com.clickhouse.analytics.testkit.Infrastructure;
import com.clickhouse.analytics.testkit.TestClickHouse;
import com.clickhouse.analytics.writer.TestKafka;
import com.clickhouse.analytics.writer.WriterProcess;

/**
 * Benchmark (a main, not a test): pre-loads a topic with realistic events, measures one writer
 * process draining it into ClickHouse (rows/s, batch latency, peak RSS of the writer process from
 * {@code /proc/<pid>/status} VmHWM), then in the same run the engine's own insert rate for the same
 * rows ({@code INSERT … SELECT FROM file(…, RowBinary)}). Command and results: docs/benchmarks.md.
 *
 * <p>Arguments: {@code [events=1000000] [partitions=4] [persons=50000]}.
 */
public final class WriterBenchmark {

    private static final String COLUMNS = "uuid, api_key, event, distinct_id, person_id, properties, timestamp, sent_at, "
            + "received_at, session_id, window_id, current_url, host, elements_chain, ip, user_agent";
    private static final String STRUCTURE = "uuid UUID, api_key String, event String, distinct_id String, person_id UUID, "
            + "properties String, timestamp DateTime64(6), sent_at Nullable(DateTime64(6)), "
            + "received_at DateTime64(6), session_id String, window_id String, current_url String, host String, "
            + "elements_chain String, ip String, user_agent String";

    private static final int ENGINE_ROUNDS = 3;
    private static final boolean STOP_MERGES = Boolean.getBoolean("bench.stopMerges");

    /**
     * Exits the JVM either way: the broker and ClickHouse of {@link Infrastructure#shared()} are only
     * stopped by its shutdown hooks, so nothing may keep the JVM from exiting, not even a failure.
     */
    public static void main(String[] args) {
        try {
            run(args);
        } catch (Throwable failed) {
            failed.printStackTrace();
            System.exit(1);
        }
        System.exit(0);
    }

    private static void run(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int partitions = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        int persons = args.length > 2 ? Integer.parseInt(args[2]) : 50_000;
        String bootstrap = Infrastructure.shared().kafkaBootstrapServers();
        ClickHouseEndpoint endpoint = Infrastructure.shared().clickHouse();
        String topic = TestClickHouse.uniqueName("bench");
        KafkaBroker.createTopic(bootstrap, topic, partitions);

        long produceStart = System.nanoTime();
        TestKafka.produceEvents(bootstrap, topic, events, persons, 2026);
        double produceSeconds = seconds(produceStart);
        System.out.printf(Locale.ROOT, "pre-loaded %,d events into %d partitions in %.1f s%n", events, partitions, produceSeconds);

        try (TestClickHouse ch = TestClickHouse.create(endpoint, "bench").migrate(SchemaMigrator::migrate);
             TestClickHouse engine = TestClickHouse.create(endpoint, "bench_engine").migrate(SchemaMigrator::migrate)) {
            if (STOP_MERGES) {
                // Merges of the writer's parts run while it drains and take CPU from the inserts on two
                // cores (docs/performance-log.md, "Writer session 2"); the engine's
                // own insert below is timed before its merges start. -Dbench.stopMerges=true takes merges
                // out of both sides.
                ch.client.execute("SYSTEM STOP MERGES " + ch.database + ".events").get().close();
            }
            long writerStart = System.nanoTime();
            double firstRowAt = -1;
            long peakKb;
            String metrics;
            try (WriterProcess writer = WriterProcess.start("writer-bench", bootstrap, endpoint, ch.database, topic, topic,
                    writerEnvironment())) {
                double fifthAt = -1;
                double fourFifthsAt = -1;
                long fifthRows = 0;
                long fourFifthsRows = 0;
                while (true) {
                    long rows = ch.longValue("SELECT count() FROM {db}.events");
                    if (rows > 0 && firstRowAt < 0) {
                        firstRowAt = seconds(writerStart);
                    }
                    // The steady-state rate: between 20 % and 80 % of the rows, after start-up and most of the JIT's work.
                    if (rows >= events / 5 && fifthAt < 0) {
                        fifthAt = seconds(writerStart);
                        fifthRows = rows;
                    }
                    if (rows >= events * 4L / 5 && fourFifthsAt < 0) {
                        fourFifthsAt = seconds(writerStart);
                        fourFifthsRows = rows;
                    }
                    if (rows >= events && TestKafka.groupLag(bootstrap, topic, topic) == 0) {
                        break;
                    }
                    if (!writer.isAlive() || seconds(writerStart) > 1800) {
                        throw new IllegalStateException("writer died or stalled at " + rows + " rows:\n" + writer.logTail());
                    }
                    Thread.sleep(100);
                }
                double drained = seconds(writerStart);
                peakKb = ProcessStats.peakRssKb(writer.pid());
                double cpuSeconds = ProcessStats.cpuSeconds(writer.pid());
                StringBuilder threads = new StringBuilder();
                ProcessStats.cpuSecondsByThread(writer.pid()).entrySet().stream()
                        .sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(8)
                        .forEach(t -> threads.append(String.format(Locale.ROOT, " %s %.1f s;", t.getKey(), t.getValue())));
                metrics = writer.get("/metrics").body();
                writer.stop();
                double drainSeconds = drained - firstRowAt;
                System.out.printf(Locale.ROOT, "writer: %,d rows in %.1f s from process start (%.1f s from first insert): "
                                + "%,.0f rows/s (from first insert %,.0f rows/s)%n",
                        events, drained, drainSeconds, events / drained, events / drainSeconds);
                System.out.printf(Locale.ROOT, "writer: batches %s, batch rows p50 %s, batch latency p50 %.3f s p99 %.3f s, peak RSS (VmHWM) %d MB%n",
                        value(metrics, "cpa_writer_batches_total"), value(metrics, "cpa_writer_batch_rows{quantile=\"0.5\"}"),
                        Double.parseDouble(value(metrics, "cpa_writer_batch_latency_seconds{quantile=\"0.5\"}")),
                        Double.parseDouble(value(metrics, "cpa_writer_batch_latency_seconds{quantile=\"0.99\"}")),
                        peakKb / 1024);
                System.out.printf(Locale.ROOT, "writer: process CPU (user+system) %.1f s over %.1f s of wall time: the rest is waiting on ClickHouse and Kafka%n",
                        cpuSeconds, drained);
                System.out.println("writer: CPU by thread:" + threads);
                double steady = (fourFifthsRows - fifthRows) / (fourFifthsAt - fifthAt);
                System.out.printf(Locale.ROOT, "writer: steady state (20 %% → 80 %% of the rows): %,.0f rows/s%n", steady);
                System.out.printf(Locale.ROOT, "RESULT writer_rows_per_s_from_start=%.0f writer_rows_per_s_from_first_insert=%.0f "
                        + "writer_rows_per_s_steady=%.0f rss_mb=%d%n", events / drained, events / drainSeconds, steady, peakKb / 1024);

                // The engine's own rate for the same rows: RowBinary from a file, no client in between.
                // An absolute temporary path (the engine accepts one), removed afterwards: the export is ~400 MB.
                Path export = Files.createTempFile("cpa-bench-", ".rowbinary");
                String file = export.toString();
                double engineRate = 0;
                double batchSizedRate = 0;
                try {
                    ch.client.execute("INSERT INTO FUNCTION file('" + file + "', 'RowBinary') SELECT " + COLUMNS
                            + " FROM " + ch.database + ".events SETTINGS engine_file_truncate_on_insert = 1").get().close();
                    engineRate = bestEngineRate(engine, file, "", "");
                    // Like for like: the same rows written as parts of the writer's batch size (one part per
                    // insert for the writer), so the parts-and-merges cost of that batch size is on both sides.
                    long partRows = Math.max(1, (long) Double.parseDouble(value(metrics, "cpa_writer_batch_rows{quantile=\"0.5\"}")));
                    batchSizedRate = bestEngineRate(engine, file, " SETTINGS max_block_size = " + partRows
                            + ", max_insert_block_size = " + partRows + ", min_insert_block_size_rows = " + partRows
                            + ", min_insert_block_size_bytes = 0", String.format(Locale.ROOT, ", parts of %,d rows", partRows));
                } finally {
                    Files.deleteIfExists(export);
                }
                System.out.printf(Locale.ROOT, "RESULT engine_rows_per_s_batch_sized=%.0f (best of %d) writer_share_steady=%.0f%%%n",
                        batchSizedRate, ENGINE_ROUNDS, 100 * steady / batchSizedRate);
                System.out.printf(Locale.ROOT, "RESULT engine_rows_per_s=%.0f (best of %d) writer_share_from_start=%.0f%% "
                                + "writer_share_from_first_insert=%.0f%% writer_share_steady=%.0f%%%n",
                        engineRate, ENGINE_ROUNDS, 100 * (events / drained) / engineRate, 100 * (events / drainSeconds) / engineRate,
                        100 * steady / engineRate);
            }
        }
    }

    /**
     * The engine's own rate for the exported rows: the same insert {@value #ENGINE_ROUNDS} times
     * into an emptied table, the best round (single rounds of the same work varied by more than two
     * times on the development machine, the first of a run usually the slowest: docs/performance-log.md,
     * "Writer session 2").
     */
    private static double bestEngineRate(TestClickHouse engine, String file, String settings, String label) throws Exception {
        double best = 0;
        for (int round = 1; round <= ENGINE_ROUNDS; round++) {
            engine.client.execute("TRUNCATE TABLE " + engine.database + ".events").get().close();
            long start = System.nanoTime();
            engine.client.execute("INSERT INTO " + engine.database + ".events (" + COLUMNS + ") SELECT * FROM file('" + file
                    + "', 'RowBinary', '" + STRUCTURE + "')" + settings).get().close();
            double took = seconds(start);
            long copied = engine.longValue("SELECT count() FROM {db}.events");
            System.out.printf(Locale.ROOT, "engine round %d%s: INSERT … SELECT FROM file(RowBinary) of %,d rows in %.2f s: %,.0f rows/s%n",
                    round, label, copied, took, copied / took);
            best = Math.max(best, copied / took);
        }
        return best;
    }

    /** WRITER_BATCH_* from this environment (to try other bounds), and WRITER_JAVA_TOOL_OPTIONS as the writer's JAVA_TOOL_OPTIONS. */
    private static Map<String, String> writerEnvironment() {
        Map<String, String> env = new java.util.HashMap<>();
        System.getenv().forEach((k, v) -> {
            if (k.startsWith("WRITER_BATCH_")) {
                env.put(k, v);
            }
        });
        if (System.getenv("WRITER_JAVA_TOOL_OPTIONS") != null) {
            env.put("JAVA_TOOL_OPTIONS", System.getenv("WRITER_JAVA_TOOL_OPTIONS"));
        }
        return env;
    }

    private static String value(String metrics, String name) {
        for (String line : metrics.split("\n")) {
            if (line.startsWith(name + " ")) {
                return line.substring(name.length() + 1).strip();
            }
        }
        return "NaN";
    }

    private static double seconds(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos).toMillis() / 1000.0;
    }
}
