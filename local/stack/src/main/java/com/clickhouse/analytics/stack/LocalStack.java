package com.clickhouse.analytics.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import com.clickhouse.analytics.local.clickhouse.LocalClickHouse;
import com.clickhouse.analytics.local.kafka.KafkaBroker;
import com.clickhouse.analytics.local.npm.GeoIpDownload;
import com.clickhouse.analytics.local.process.ChildProcess;
import com.clickhouse.analytics.local.process.FreePorts;

/**
 * The whole pipeline on one machine, each tier its own process as in production: a Kafka broker,
 * a local ClickHouse, the topics and the migrations (one-off processes), the writer, the historical
 * writer (the same writer draining {@code events_historical} in its own group, so a backfill never
 * delays live events) and the gateway. Stops in the reverse order, so the gateway stops taking
 * events before the writers drain and Kafka and ClickHouse go last. The writers and the gateway are
 * watched: one that exits unasked is reported with its log's last lines and started again ({@link Tier}).
 */
public final class LocalStack implements AutoCloseable {

    static final String GATEWAY_MAIN = "com.clickhouse.analytics.gateway.GatewayMain";
    static final String WRITER_MAIN = "com.clickhouse.analytics.writer.WriterMain";
    static final String MIGRATE_MAIN = "com.clickhouse.analytics.schema.migration.Migrate";
    static final String TOPICS_MAIN = "com.clickhouse.analytics.schema.topics.Topics";

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration WATCH_INTERVAL = Duration.ofMillis(250);

    private final StackSettings settings;
    private final String classPath;
    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private final Tier writer;
    private final Tier historicalWriter;
    private final Tier gateway;
    private KafkaBroker broker;
    private LocalClickHouse clickHouse;
    private Thread watcher;

    public LocalStack(StackSettings settings, String classPath) {
        this(settings, classPath, System.err::println);
    }

    /** @param report where a tier's unexpected exit and its restart are told */
    public LocalStack(StackSettings settings, String classPath, Consumer<String> report) {
        this.settings = settings;
        this.classPath = classPath;
        this.writer = new Tier("writer", this::launchWriter, report);
        this.historicalWriter = new Tier("historical writer", this::launchHistoricalWriter, report);
        this.gateway = new Tier("gateway", this::launchGateway, report);
    }

    public StackSettings settings() {
        return settings;
    }

    /** Starts every tier and returns when the gateway is ready; on failure stops what it started. */
    public LocalStack start() {
        try {
            refusePortsInUse();
            Files.createDirectories(logs());
            broker = KafkaBroker.at(settings.dataDir().resolve("kafka"), settings.kafkaPort(),
                    settings.kafkaControllerPort());
            started.push(broker::stop);
            broker.start();
            createTopics();

            clickHouse = LocalClickHouse.start(settings.dataDir().resolve("clickhouse"),
                    settings.clickHousePort(), settings.clickHouseUser(), settings.clickHousePassword());
            started.push(clickHouse);

            migrate();
            startServices();
            watcher = Thread.ofPlatform().name("cpa-tier-watch").daemon(true).start(this::watch);
            return this;
        } catch (IOException e) {
            close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Stops and starts the writer and the gateway, keeping Kafka and ClickHouse (tests of restarts). */
    public void restartServices() {
        stopServices();
        startServices();
    }

    /** Stops the gateway, then the writers (SIGTERM: a writer commits what it inserted). */
    public void stopServices() {
        gateway.stop(Duration.ofSeconds(20));
        writer.stop(Duration.ofSeconds(30));
        historicalWriter.stop(Duration.ofSeconds(30));
    }

    /**
     * The process id of each running process of the stack — {@code gateway}, {@code writer},
     * {@code historical writer}, {@code broker}, {@code clickhouse}, in that order — for benchmarks
     * that read their CPU time.
     */
    public Map<String, Long> pids() {
        Map<String, Long> pids = new java.util.LinkedHashMap<>();
        java.util.Optional.ofNullable(gateway.process()).ifPresent(p -> pids.put("gateway", p.pid()));
        java.util.Optional.ofNullable(writer.process()).ifPresent(p -> pids.put("writer", p.pid()));
        java.util.Optional.ofNullable(historicalWriter.process()).ifPresent(p -> pids.put("historical writer", p.pid()));
        if (broker != null && broker.isRunning()) {
            pids.put("broker", broker.pid());
        }
        if (clickHouse != null) {
            clickHouse.pid().ifPresent(pid -> pids.put("clickhouse", pid));
        }
        return pids;
    }

    /** The writer's process now (null while it is down); for tests that kill it. */
    ChildProcess writerProcess() {
        return writer.process();
    }

    /** How often a tier was started again after an exit nobody asked for. */
    int restarts() {
        return writer.restarts() + historicalWriter.restarts() + gateway.restarts();
    }

    private void startServices() {
        long now = System.currentTimeMillis();
        writer.start(now);
        historicalWriter.start(now);
        gateway.start(now);
    }

    /** The watcher thread: checks both tiers until the stack closes. */
    private void watch() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(WATCH_INTERVAL);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.currentTimeMillis();
            writer.check(now);
            historicalWriter.check(now);
            gateway.check(now);
        }
    }

    @Override
    public void close() {
        if (watcher != null) {
            watcher.interrupt();
        }
        stopServices();
        while (!started.isEmpty()) {
            try {
                started.pop().close();
            } catch (Exception e) {
                System.err.println("cpa: error while stopping: " + e.getMessage());
            }
        }
    }

    Path logs() {
        return settings.dataDir().resolve("logs");
    }

    /** The image's {@code topics} entry point, as the chart's hook Job runs it: the broker never auto-creates. */
    private void createTopics() {
        Map<String, String> env = new HashMap<>(kafkaEnvironment());
        env.put("DLQ_TOPIC", settings.dlqTopic());
        env.put("EVENTS_TOPIC_PARTITIONS", String.valueOf(settings.partitions()));
        env.put("HISTORICAL_TOPIC", settings.historicalTopic());
        env.put("HISTORICAL_TOPIC_PARTITIONS", String.valueOf(settings.partitions()));
        ChildProcess topics = ChildProcess.startJvm("topics", List.of("-Xmx128m", "-XX:+UseSerialGC"), classPath, TOPICS_MAIN,
                List.of(), env, logs().resolve("topics.log"));
        int exit = topics.awaitExit(READY_TIMEOUT);
        if (exit != 0) {
            throw new IllegalStateException("creating the topics failed (exit " + exit + "):\n" + topics.logTail(20));
        }
    }

    private void migrate() {
        ChildProcess migrate = ChildProcess.startJvm("migrate", List.of("-Xmx256m"), classPath, MIGRATE_MAIN, List.of(),
                clickHouseEnvironment(), logs().resolve("migrate.log"));
        int exit = migrate.awaitExit(READY_TIMEOUT);
        if (exit != 0) {
            throw new IllegalStateException("migrations failed (exit " + exit + "):\n" + migrate.logTail(20));
        }
    }

    private ChildProcess launchWriter() {
        return launchWriter("writer", settings.eventsTopic(), "cpa-writer", settings.writerPort(), List.of("-Xmx320m", "-Xmn160m"));
    }

    /** The same writer on {@code events_historical} in a group of its own: backfills are drained beside live events, never before them. */
    private ChildProcess launchHistoricalWriter() {
        return launchWriter("historical-writer", settings.historicalTopic(), "cpa-writer-historical", settings.historicalWriterPort(),
                List.of("-Xmx192m", "-Xmn96m"));
    }

    private ChildProcess launchWriter(String name, String topic, String group, int port, List<String> heap) {
        Map<String, String> env = new HashMap<>(clickHouseEnvironment());
        env.putAll(kafkaEnvironment());
        env.put("EVENTS_TOPIC", topic);
        env.put("PORT", String.valueOf(port));
        env.put("DLQ_TOPIC", settings.dlqTopic());
        env.put("WRITER_GROUP_ID", group);
        // Development favours seeing an event quickly over the fewest inserts: half the production
        // default age bound (1 s). An explicit WRITER_BATCH_MAX_AGE_MS still wins.
        env.put("WRITER_BATCH_MAX_AGE_MS", System.getenv().getOrDefault("WRITER_BATCH_MAX_AGE_MS", "500"));
        // The freely licensed DB-IP City Lite database, fetched once into the cache beside chDB. An
        // explicit GEOIP_DATABASE (or an empty one: no GeoIP) still wins.
        env.put("GEOIP_DATABASE", System.getenv().containsKey("GEOIP_DATABASE") ? System.getenv("GEOIP_DATABASE")
                : GeoIpDownload.inUserCache().geoIpDatabaseSetting());
        // One consumer thread and one prepare thread: the serial collector costs the least CPU, and a large
        // young generation keeps the buffered batches from being promoted (docs/performance-log.md, "Writer").
        List<String> jvm = new ArrayList<>(heap);
        jvm.add("-XX:+UseSerialGC");
        ChildProcess process = ChildProcess.startJvm(name, jvm, classPath, WRITER_MAIN, List.of(), env, logs().resolve(name + ".log"));
        awaitReady(name, process, "http://127.0.0.1:" + port + "/ready");
        return process;
    }

    private ChildProcess launchGateway() {
        Map<String, String> env = new HashMap<>(kafkaEnvironment());
        env.put("PORT", String.valueOf(settings.gatewayPort()));
        env.put("PUBLIC_API_KEYS", settings.apiKey());
        env.put("ALLOWED_ORIGINS", String.join(",", settings.allowedOrigins()));
        env.put("HISTORICAL_TOPIC", settings.historicalTopic());
        ChildProcess process = ChildProcess.startJvm("gateway", List.of("-Xmx256m", "-XX:+UseG1GC"), classPath, GATEWAY_MAIN,
                List.of(), env, logs().resolve("gateway.log"));
        awaitReady("gateway", process, settings.gatewayUrl() + "/ready");
        return process;
    }

    private Map<String, String> kafkaEnvironment() {
        return Map.of("KAFKA_BOOTSTRAP_SERVERS", settings.kafkaBootstrapServers(),
                "EVENTS_TOPIC", settings.eventsTopic(),
                "LOG_LEVEL", "warn");
    }

    private Map<String, String> clickHouseEnvironment() {
        return Map.of("CLICKHOUSE_URL", settings.clickHouseUrl(),
                "CLICKHOUSE_USER", settings.clickHouseUser(),
                "CLICKHOUSE_PASSWORD", settings.clickHousePassword(),
                "CLICKHOUSE_DATABASE", settings.database(),
                "MIGRATE_ON_START", "false");
    }

    private void refusePortsInUse() {
        Map<String, Integer> ports = new java.util.LinkedHashMap<>();
        ports.put("gateway", settings.gatewayPort());
        ports.put("writer", settings.writerPort());
        ports.put("historical writer", settings.historicalWriterPort());
        ports.put("Kafka", settings.kafkaPort());
        ports.put("Kafka controller", settings.kafkaControllerPort());
        ports.put("ClickHouse", settings.clickHousePort());
        for (var entry : ports.entrySet()) {
            if (FreePorts.inUse(entry.getValue())) {
                throw new IllegalStateException("port " + entry.getValue() + " (" + entry.getKey()
                        + ") is already in use: is another ./cpa up running? Stop it, or move this one with CPA_*_PORT.");
            }
        }
    }

    /** Returns once {@code url} answers 200; else stops the process and throws with its log's end. */
    private static void awaitReady(String name, ChildProcess process, String url) {
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build()) {
            pollReady(name, process, url, http);
        } catch (RuntimeException e) {
            process.stop(Duration.ofSeconds(5));
            throw e;
        }
    }

    private static void pollReady(String name, ChildProcess process, String url, HttpClient http) {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited during start-up:\n" + process.logTail(30));
            }
            try {
                var response = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
            sleep(200);
        }
        throw new IllegalStateException(name + " not ready after " + READY_TIMEOUT.toSeconds() + " s:\n" + process.logTail(30));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
