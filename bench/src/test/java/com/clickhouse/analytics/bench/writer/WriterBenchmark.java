package com.clickhouse.analytics.bench.writer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.clickhouse.analytics.bench.Cpu;
import com.clickhouse.analytics.local.clickhouse.ClickHouseEndpoint;
import com.clickhouse.analytics.local.clickhouse.LocalClickHouse;
import com.clickhouse.analytics.local.kafka.KafkaBroker;
import com.clickhouse.analytics.local.npm.GeoIpDownload;
import com.clickhouse.analytics.local.process.ProcessStats;
import com.clickhouse.analytics.schema.migration.SchemaMigrator;
import com.clickhouse.analytics.testkit.TestClickHouse;
import com.clickhouse.analytics.writer.TestKafka;
import com.clickhouse.analytics.writer.WriterProcess;

/**
 * Benchmark (a main, not a test). Pre-loads a topic with {@link BenchTraffic} (50k addresses, 2k user
 * agents), and an identity-heavy one (20 % {@code $identify}/{@code $create_alias}/{@code $groupidentify}),
 * then drains the same records, one after the other in one run, by:
 * <ol>
 *   <li>{@code kafka-engine}: ClickHouse's own Kafka table engine and a materialized view parsing the
 *       record (JSONEachRow) into the same columns of a copy of {@code events} — the baseline;</li>
 *   <li>{@code enrich-off}: one writer process, GeoIP and user agents off;</li>
 *   <li>{@code enrich-on}: one writer process with the city database {@code ./cpa up} fetches and
 *       user-agent parsing (the writer's defaults of {@code ./cpa up});</li>
 *   <li>{@code identity}: as {@code enrich-on}, on the identity-heavy topic;</li>
 * </ol>
 * then inserts the rows the writer wrote as one {@code INSERT … SELECT FROM file(RowBinary)} (the
 * engine's own rate, as before, and its ClickHouse CPU per row including the merges after it).
 * Each drain is measured from its first row to its last with the CPU of every process involved
 * (writer JVM, ClickHouse, broker); ClickHouse's CPU is also taken until its merges have settled.
 * The broker and ClickHouse are this benchmark's own (their pids are known), on free ports.
 *
 * <p>Arguments: {@code [events=1000000] [partitions=4] [persons=50000]}; {@code -Dbench.variants=…}
 * (comma-separated, default all four), {@code -Dbench.kafkaSettings=", kafka_num_consumers = 2"}
 * (appended to the Kafka table's SETTINGS). Output lines starting with {@code RESULT} are the ones
 * to paste. Command and results: docs/benchmarks.md.
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
    private static final List<String> VARIANTS = List.of(System.getProperty("bench.variants", "kafka-engine,enrich-off,enrich-on,identity")
            .split(","));

    /** What one drain measured. */
    record Drain(String name, long rows, double seconds, double secondsFromStart, double steadyRowsPerSecond, Cpu window, Cpu settled,
                 double writerSteadyMicrosPerRow, double writerStartupSeconds, long rssMb) {
        /** First row to last; a drain whose rows all landed at once (one block) is timed from its start. */
        double rate() {
            return rows / (seconds > 0.5 ? seconds : secondsFromStart);
        }
    }

    /** Exits the JVM either way: nothing may keep it from exiting, not even a failure. */
    public static void main(String[] args) {
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "error"); // the broker's start-up makes the admin client warn
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
        System.out.printf(Locale.ROOT, "load average at start: %s%n", loadAverage());
        try (KafkaBroker broker = KafkaBroker.onFreePorts().start();
             LocalClickHouse clickHouse = LocalClickHouse.startTemporary()) {
            String bootstrap = broker.bootstrapServers();
            ClickHouseEndpoint endpoint = clickHouse.endpoint();
            Map<String, Long> infra = new LinkedHashMap<>();
            infra.put("clickhouse", clickHouse.pid().orElseThrow());
            infra.put("broker", broker.pid());

            String plain = "bench_plain";
            String identity = "bench_identity";
            preload(bootstrap, plain, partitions, events, new BenchTraffic(2026, persons, 0));
            if (VARIANTS.contains("identity")) {
                preload(bootstrap, identity, partitions, events, new BenchTraffic(2027, persons, 0.2));
            }
            String geoIp = GeoIpDownload.inUserCache().geoIpDatabaseSetting();
            List<Drain> drains = new ArrayList<>();
            List<TestClickHouse> databases = new ArrayList<>();
            try {
                TestClickHouse written = null;
                for (String variant : VARIANTS) {
                    TestClickHouse ch = TestClickHouse.create(endpoint, "bench_" + variant.replace('-', '_')).migrate(SchemaMigrator::migrate);
                    databases.add(ch);
                    if (STOP_MERGES) {
                        ch.execute("SYSTEM STOP MERGES {db}.events");
                    }
                    awaitMergesSettled(ch);
                    System.out.printf(Locale.ROOT, "%s: load average %s%n", variant, loadAverage());
                    Drain drain = switch (variant) {
                        case "kafka-engine" -> kafkaEngine(ch, infra, bootstrap, plain, events);
                        case "enrich-off" -> writer(variant, ch, infra, bootstrap, plain, events,
                                Map.of("GEOIP_DATABASE", "", "ENRICH_USER_AGENTS", "false"));
                        case "enrich-on" -> writer(variant, ch, infra, bootstrap, plain, events,
                                Map.of("GEOIP_DATABASE", geoIp, "ENRICH_USER_AGENTS", "true"));
                        case "identity" -> writer(variant, ch, infra, bootstrap, identity, events,
                                Map.of("GEOIP_DATABASE", geoIp, "ENRICH_USER_AGENTS", "true"));
                        default -> throw new IllegalArgumentException("no variant " + variant + " (kafka-engine, enrich-off, enrich-on, identity)");
                    };
                    drains.add(drain);
                    if (!variant.equals("kafka-engine") && written == null) {
                        written = ch;
                    }
                }
                if (written != null) {
                    try {
                        engineReference(endpoint, infra, written, drains, events);
                    } catch (Exception e) {
                        System.out.println("engine reference failed (the drains' figures stand): " + e);
                    }
                }
            } finally {
                for (TestClickHouse ch : databases) {
                    ch.close();
                }
            }
            summarize(drains);
            System.out.printf(Locale.ROOT, "load average at end: %s%n", loadAverage());
        }
    }

    private static void preload(String bootstrap, String topic, int partitions, int events, BenchTraffic traffic) throws Exception {
        KafkaBroker.createTopic(bootstrap, topic, partitions);
        long start = System.nanoTime();
        traffic.produce(bootstrap, topic, events);
        System.out.printf(Locale.ROOT, "pre-loaded %,d events into %s (%d partitions) in %.1f s%n", events, topic, partitions, seconds(start));
    }

    /**
     * The baseline: a Kafka-engine table on the topic and a materialized view into {@code events},
     * parsing the record as JSONEachRow (the codec's JSON: field names are the record's, the nested
     * objects read as strings). The person id is computed the way the writer derives one for a
     * distinct id without a person (sha1-based), so the view does comparable per-row work; the engine
     * resolves no identities, enriches nothing, and is at-least-once.
     */
    private static Drain kafkaEngine(TestClickHouse ch, Map<String, Long> infra, String bootstrap, String topic, int events)
            throws Exception {
        Cpu before = Cpu.of(infra);
        ch.execute("CREATE TABLE {db}.events_queue (uuid UUID, api_key String, event String, distinct_id String, properties String, "
                + "timestamp DateTime64(6, 'UTC'), sent_at Nullable(DateTime64(6, 'UTC')), received_at DateTime64(6, 'UTC'), "
                + "ip String, user_agent String, session_id String, window_id String, current_url String, host String, "
                + "elements_chain String, `$set` String, `$set_once` String, `$anon_distinct_id` String, alias String) "
                + "ENGINE = Kafka SETTINGS kafka_broker_list = '" + bootstrap + "', kafka_topic_list = '" + topic + "', "
                + "kafka_group_name = '" + ch.database + "', kafka_format = 'JSONEachRow', "
                + "input_format_skip_unknown_fields = 1, date_time_input_format = 'best_effort', "
                + "input_format_json_read_objects_as_strings = 1" + System.getProperty("bench.kafkaSettings", ""));
        long start = System.nanoTime();
        ch.execute("CREATE MATERIALIZED VIEW {db}.events_from_kafka TO {db}.events AS SELECT uuid, api_key, event, distinct_id, "
                + "reinterpretAsUUID(substring(SHA1(distinct_id), 1, 16)) AS person_id, properties, timestamp, sent_at, received_at, "
                + "session_id, window_id, current_url, host, elements_chain, ip, user_agent, `$set` AS set_properties, "
                + "`$set_once` AS set_once_properties, `$anon_distinct_id` AS anon_distinct_id, alias FROM {db}.events_queue");
        Progress progress = follow(ch, infra, events, start, () -> true, () -> "");
        ch.execute("DROP VIEW {db}.events_from_kafka");
        ch.execute("DROP TABLE {db}.events_queue");
        Cpu settled = awaitMergesSettled(ch, infra).since(before);
        report("kafka-engine", progress, settled, events);
        return new Drain("kafka-engine", events, progress.lastAt - progress.firstAt, progress.lastAt, progress.steady(),
                progress.window(), settled, Double.NaN, Double.NaN, 0);
    }

    private static Drain writer(String name, TestClickHouse ch, Map<String, Long> infra, String bootstrap, String topic, int events,
                                Map<String, String> environment) throws Exception {
        Cpu before = Cpu.of(infra);
        Map<String, String> env = new java.util.HashMap<>(writerEnvironment());
        env.putAll(environment);
        String group = TestClickHouse.uniqueName("bench");
        long start = System.nanoTime();
        try (WriterProcess writer = WriterProcess.start("writer-bench-" + name, bootstrap, ch.endpoint, ch.database, topic, group, env)) {
            Map<String, Long> pids = new LinkedHashMap<>();
            pids.put("writer", writer.pid());
            pids.putAll(infra);
            Progress progress = follow(ch, pids, events, start, writer::isAlive, writer::logTail,
                    () -> TestKafka.groupLag(bootstrap, topic, group) == 0);
            long peakKb = ProcessStats.peakRssKb(writer.pid());
            Map<String, Double> threads = ProcessStats.cpuSecondsByThread(writer.pid());
            String metrics = writer.get("/metrics").body();
            writer.stop();
            Cpu settled = awaitMergesSettled(ch, infra).since(before);
            double steadyCpu = progress.fourFifths.of("writer") - progress.fifth.of("writer");
            double steadyMicros = 1e6 * steadyCpu / (progress.fourFifthsRows - progress.fifthRows);
            double startup = progress.first.of("writer");
            StringBuilder byThread = new StringBuilder();
            threads.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(8)
                    .forEach(t -> byThread.append(String.format(Locale.ROOT, " %s %.1f s;", t.getKey(), t.getValue())));
            double jit = threads.entrySet().stream().filter(t -> t.getKey().startsWith("C1 Comp") || t.getKey().startsWith("C2 Comp"))
                    .mapToDouble(Map.Entry::getValue).sum();
            report(name, progress, settled, events);
            System.out.printf(Locale.ROOT, "%s: batches %s, batch rows p50 %s, batch latency p50 %s s p99 %s s, person cache hit ratio %s, "
                            + "persons left unread %s, peak RSS (VmHWM) %d MB%n",
                    name, value(metrics, "cpa_writer_batches_total"), value(metrics, "cpa_writer_batch_rows{quantile=\"0.5\"}"),
                    value(metrics, "cpa_writer_batch_latency_seconds{quantile=\"0.5\"}"),
                    value(metrics, "cpa_writer_batch_latency_seconds{quantile=\"0.99\"}"),
                    value(metrics, "cpa_writer_person_cache_hit_ratio"), value(metrics, "cpa_writer_identity_persons_unread_total"),
                    peakKb / 1024);
            System.out.printf(Locale.ROOT, "%s: writer CPU: start-up (process start → first row) %.2f s, JIT compiler threads %.2f s "
                            + "in all, steady state (20 → 80 %% of the rows) %.2f µs/row; by thread:%s%n",
                    name, startup, jit, steadyMicros, byThread);
            return new Drain(name, events, progress.lastAt - progress.firstAt, progress.lastAt, progress.steady(), progress.window(),
                    settled, steadyMicros, startup, peakKb / 1024);
        }
    }

    /** Where a drain was at its first row, at 20 % and 80 % of the rows, and at its last. */
    private static final class Progress {
        double firstAt = -1;
        double fifthAt = -1;
        double fourFifthsAt = -1;
        double lastAt;
        long fifthRows;
        long fourFifthsRows;
        Cpu start;
        Cpu first;
        Cpu fifth;
        Cpu fourFifths;
        Cpu last;

        /** The steady-state rate: between 20 % and 80 % of the rows, after start-up and most of the JIT's work. */
        double steady() {
            return fourFifthsAt > fifthAt ? (fourFifthsRows - fifthRows) / (fourFifthsAt - fifthAt) : Double.NaN;
        }

        /** CPU from the first row to the last; from the start when every row landed at once (one block). */
        Cpu window() {
            return lastAt - firstAt > 0.5 ? last.since(first) : last.since(start);
        }
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    private static Progress follow(TestClickHouse ch, Map<String, Long> pids, int events, long start, Check alive,
                                   java.util.function.Supplier<String> log) throws Exception {
        return follow(ch, pids, events, start, alive, log, () -> true);
    }

    private static Progress follow(TestClickHouse ch, Map<String, Long> pids, int events, long start, Check alive,
                                   java.util.function.Supplier<String> log, Check done) throws Exception {
        Progress p = new Progress();
        p.start = Cpu.of(pids);
        while (true) {
            long rows = ch.longValue("SELECT count() FROM {db}.events");
            double at = seconds(start);
            if (rows > 0 && p.first == null) {
                p.first = Cpu.of(pids);
                p.firstAt = at;
            }
            if (rows >= events / 5 && p.fifth == null) {
                p.fifth = Cpu.of(pids);
                p.fifthAt = at;
                p.fifthRows = rows;
            }
            if (rows >= events * 4L / 5 && p.fourFifths == null) {
                p.fourFifths = Cpu.of(pids);
                p.fourFifthsAt = at;
                p.fourFifthsRows = rows;
            }
            if (rows >= events) {
                p.last = Cpu.of(pids);
                p.lastAt = at;
                if (done.ok()) {
                    return p;
                }
            }
            if (!alive.ok() || at > 1800) {
                throw new IllegalStateException("drain died or stalled at " + rows + " rows:\n" + log.get());
            }
            Thread.sleep(100);
        }
    }

    private static void report(String name, Progress p, Cpu settled, int events) {
        System.out.printf(Locale.ROOT, "%s: %,d rows, first row %.1f s after start, first → last row %.1f s: %,.0f rows/s "
                        + "(from start %,.0f rows/s); steady (20 → 80 %%) %,.0f rows/s%n",
                name, events, p.firstAt, p.lastAt - p.firstAt, events / (p.lastAt - p.firstAt), events / p.lastAt, p.steady());
        System.out.printf(Locale.ROOT, "%s: CPU first → last row%s: %s%n", name, p.lastAt - p.firstAt > 0.5 ? "" : " (one block: from start)",
                p.window().perRow(events, "row"));
        System.out.printf(Locale.ROOT, "%s: CPU start → last row: %s%n", name, p.last.since(p.start).perRow(events, "row"));
        System.out.printf(Locale.ROOT, "%s: ClickHouse and broker CPU from start until the merges settled: %s%n", name,
                settled.perRow(events, "row"));
    }

    /**
     * The engine's own rate for the rows the writer wrote ({@code INSERT … SELECT FROM file}, best of
     * {@value #ENGINE_ROUNDS}, as before), and the ClickHouse CPU of one such insert until its merges settle.
     */
    private static void engineReference(ClickHouseEndpoint endpoint, Map<String, Long> infra, TestClickHouse written, List<Drain> drains,
                                        int events) throws Exception {
        Path export = Files.createTempFile("cpa-bench-", ".rowbinary");
        String file = export.toString();
        try (TestClickHouse engine = TestClickHouse.create(endpoint, "bench_engine").migrate(SchemaMigrator::migrate)) {
            runLong(endpoint, "INSERT INTO FUNCTION file('" + file + "', 'RowBinary') SELECT " + COLUMNS
                    + " FROM " + written.database + ".events SETTINGS engine_file_truncate_on_insert = 1");
            double best = 0;
            Cpu cpu = null;
            for (int round = 1; round <= ENGINE_ROUNDS; round++) {
                engine.execute("TRUNCATE TABLE {db}.events");
                engine.execute("TRUNCATE TABLE IF EXISTS {db}.sessions_aggregated");
                awaitMergesSettled(engine);
                Cpu before = Cpu.of(infra);
                long start = System.nanoTime();
                runLong(endpoint, "INSERT INTO " + engine.database + ".events (" + COLUMNS + ") SELECT * FROM file('" + file + "', 'RowBinary', '"
                        + STRUCTURE + "')");
                double took = seconds(start);
                cpu = awaitMergesSettled(engine, infra).since(before);
                long copied = engine.longValue("SELECT count() FROM {db}.events");
                System.out.printf(Locale.ROOT, "engine round %d: INSERT … SELECT FROM file(RowBinary) of %,d rows in %.2f s: %,.0f rows/s; "
                        + "ClickHouse CPU until merges settled %.2f s (%.2f µs/row)%n", round, copied, took, copied / took,
                        cpu.of("clickhouse"), 1e6 * cpu.of("clickhouse") / copied);
                best = Math.max(best, copied / took);
            }
            System.out.printf(Locale.ROOT, "RESULT engine_insert_select rows_per_s_best_of_%d=%.0f clickhouse_us_per_row_incl_merges=%.2f%n",
                    ENGINE_ROUNDS, best, 1e6 * cpu.of("clickhouse") / events);
            drains.add(new Drain("insert-select", events, events / best, events / best, best, cpu, cpu, Double.NaN, Double.NaN, 0));
        } finally {
            Files.deleteIfExists(export);
        }
    }

    private static void summarize(List<Drain> drains) {
        Drain baseline = drains.stream().filter(d -> d.name.equals("kafka-engine")).findFirst().orElse(null);
        Drain insertSelect = drains.stream().filter(d -> d.name.equals("insert-select")).findFirst().orElse(null);
        Drain on = drains.stream().filter(d -> d.name.equals("enrich-on")).findFirst().orElse(null);
        for (Drain d : drains) {
            if (d.name.equals("insert-select")) {
                continue;
            }
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
                    "RESULT %s rows_per_s=%.0f rows_per_s_from_start=%.0f steady_rows_per_s=%.0f cpu_us_per_row_first_to_last: writer=%.2f clickhouse=%.2f broker=%.2f "
                            + "total=%.2f clickhouse_us_per_row_incl_merges=%.2f",
                    d.name, d.rate(), d.rows / d.secondsFromStart, d.steadyRowsPerSecond, 1e6 * d.window.of("writer") / d.rows, 1e6 * d.window.of("clickhouse") / d.rows,
                    1e6 * d.window.of("broker") / d.rows, 1e6 * d.window.total() / d.rows, 1e6 * d.settled.of("clickhouse") / d.rows));
            if (!Double.isNaN(d.writerSteadyMicrosPerRow)) {
                line.append(String.format(Locale.ROOT, " writer_steady_us_per_row=%.2f writer_startup_cpu_s=%.2f rss_mb=%d",
                        d.writerSteadyMicrosPerRow, d.writerStartupSeconds, d.rssMb));
            }
            if (baseline != null && d != baseline) {
                line.append(String.format(Locale.ROOT, " vs_kafka_engine=%.0f%%", 100 * d.rate() / baseline.rate()));
            }
            if (insertSelect != null) {
                line.append(String.format(Locale.ROOT, " clickhouse_vs_insert_select=%.2fx",
                        d.settled.of("clickhouse") / insertSelect.settled.of("clickhouse")));
            }
            if (on != null && d != on && !d.name.equals("kafka-engine")) {
                line.append(String.format(Locale.ROOT, " steady_vs_enrich_on=%.0f%%", 100 * d.steadyRowsPerSecond / on.steadyRowsPerSecond));
            }
            System.out.println(line);
        }
    }

    /** Runs a statement that may take minutes on a loaded machine (the test client gives up after 60 s). */
    private static void runLong(ClickHouseEndpoint endpoint, String sql) throws Exception {
        try (com.clickhouse.client.api.Client client = new com.clickhouse.client.api.Client.Builder().addEndpoint(endpoint.url())
                .setUsername(endpoint.user()).setPassword(endpoint.password())
                .setSocketTimeout(30, java.time.temporal.ChronoUnit.MINUTES).build()) {
            client.execute(sql).get(30, java.util.concurrent.TimeUnit.MINUTES).close();
        }
    }

    /** Waits until ClickHouse runs no merge and the active part count holds for 2 s (at most 120 s). */
    private static void awaitMergesSettled(TestClickHouse ch) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        long parts = -1;
        int stable = 0;
        while (System.nanoTime() < deadline && stable < 4) {
            long merges = ch.longValue("SELECT count() FROM system.merges");
            long now = ch.longValue("SELECT count() FROM system.parts WHERE active");
            stable = merges == 0 && now == parts ? stable + 1 : 0;
            parts = now;
            Thread.sleep(500);
        }
    }

    private static Cpu awaitMergesSettled(TestClickHouse ch, Map<String, Long> infra) throws Exception {
        awaitMergesSettled(ch);
        return Cpu.of(infra);
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

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (java.io.IOException e) {
            return "?";
        }
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
