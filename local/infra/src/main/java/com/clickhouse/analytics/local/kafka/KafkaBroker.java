package com.clickhouse.analytics.local.kafka;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.clickhouse.analytics.local.process.ChildProcess;
import com.clickhouse.analytics.local.process.FreePorts;
import com.clickhouse.analytics.local.process.TemporaryDirectory;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * A real Apache Kafka broker (KRaft, one combined broker+controller node) in a child JVM, run
 * from the {@code kafka_2.13} jars that Maven resolved for this module.
 *
 * <p>The broker keeps its ports and data directory across {@link #stop()} / {@link #start()}, so
 * fault tests can take it away and bring the same cluster back. Storage is formatted once, on
 * first start of a fresh directory. The child dies with this JVM (see {@link ChildProcess}).
 */
public final class KafkaBroker implements AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final String BROKER_CLASSPATH_RESOURCE = "/kafka-broker.classpath";

    private final Path dataDir;
    private final int port;
    private final int controllerPort;
    private final String classPath;
    /** The directory this broker created and deletes on {@link #close()}; null for a given directory. */
    private final TemporaryDirectory owned;
    private ChildProcess process;

    private KafkaBroker(Path dataDir, TemporaryDirectory owned, int port, int controllerPort) {
        this.dataDir = dataDir;
        this.owned = owned;
        this.port = port;
        this.controllerPort = controllerPort;
        this.classPath = brokerClassPath();
    }

    /**
     * A broker on free loopback ports in a fresh temporary directory, deleted by {@link #close()}
     * (or when this JVM exits); call {@link #start()}.
     */
    public static KafkaBroker onFreePorts() {
        TemporaryDirectory dir = TemporaryDirectory.create("cpa-kafka-");
        return new KafkaBroker(dir.path(), dir, FreePorts.pick(), FreePorts.pick());
    }

    /** A broker with fixed ports and a persistent directory (the local stack). */
    public static KafkaBroker at(Path dataDir, int port, int controllerPort) {
        return new KafkaBroker(dataDir, null, port, controllerPort);
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public Path dataDir() {
        return dataDir;
    }

    public Path logFile() {
        return dataDir.resolve("broker.log");
    }

    /** The broker process's pid while it runs (benchmarks read its CPU time). */
    public synchronized long pid() {
        if (process == null) {
            throw new IllegalStateException("the broker is not running");
        }
        return process.pid();
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Starts the broker and returns once it answers metadata requests. Idempotent. */
    public synchronized KafkaBroker start() {
        if (isRunning()) {
            return this;
        }
        if (FreePorts.inUse(port)) {
            throw new IllegalStateException("Kafka port " + port + " is already in use (is another copy running?)");
        }
        try {
            Path config = writeConfig();
            if (!Files.exists(dataDir.resolve("data").resolve("meta.properties"))) {
                format(config);
            }
            process = ChildProcess.startJvm("kafka-broker", jvmOptions(), classPath, "kafka.Kafka",
                    List.of(config.toString()), Map.of(), logFile());
            if (owned != null) {
                owned.writtenBy(ProcessHandle.of(process.pid()).orElse(null));
            }
            awaitReady();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops the broker (SIGTERM, controlled shutdown), keeping its data. */
    /** Freezes (SIGSTOP) or thaws (SIGCONT) the running broker: connections stay open, nothing answers. */
    public synchronized void freeze(boolean frozen) {
        if (process == null) {
            throw new IllegalStateException("the broker is not running");
        }
        process.freeze(frozen);
    }

    public synchronized void stop() {
        if (process != null) {
            process.stop(Duration.ofSeconds(30));
            process = null;
        }
    }

    /** Creates a topic (no-op if it exists) and waits until it is visible. */
    public void createTopic(String name, int partitions) {
        createTopic(bootstrapServers(), name, partitions);
    }

    /** Creates a topic on any cluster, as tests do against whatever the resolver provided. */
    public static void createTopic(String bootstrapServers, String name, int partitions) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create topic " + name + ": " + e.getCause(), e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted creating topic " + name, e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("timed out creating topic " + name, e);
        }
    }

    /** Stops the broker; a temporary broker's data is deleted. */
    @Override
    public void close() {
        stop();
        if (owned != null) {
            owned.close();
        }
    }

    private List<String> jvmOptions() {
        return List.of("-Xms256m", "-Xmx1g", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
                "-Djava.awt.headless=true",
                "-Dlog4j2.configurationFile=" + dataDir.resolve("log4j2.properties"),
                "-Dkafka.logs.dir=" + dataDir);
    }

    private Path writeConfig() throws IOException {
        Files.createDirectories(dataDir);
        Properties props = new Properties();
        props.setProperty("process.roles", "broker,controller");
        props.setProperty("node.id", "1");
        props.setProperty("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        props.setProperty("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        props.setProperty("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        props.setProperty("controller.listener.names", "CONTROLLER");
        props.setProperty("inter.broker.listener.name", "PLAINTEXT");
        props.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.setProperty("log.dirs", dataDir.resolve("data").toString());
        props.setProperty("num.partitions", "1");
        props.setProperty("auto.create.topics.enable", "true");
        props.setProperty("offsets.topic.replication.factor", "1");
        props.setProperty("offsets.topic.num.partitions", "4");
        props.setProperty("transaction.state.log.replication.factor", "1");
        props.setProperty("transaction.state.log.min.isr", "1");
        props.setProperty("share.coordinator.state.topic.replication.factor", "1");
        props.setProperty("share.coordinator.state.topic.min.isr", "1");
        props.setProperty("group.initial.rebalance.delay.ms", "0");
        // A single node on a small machine: few threads, small segments for quick start-up.
        props.setProperty("num.network.threads", "2");
        props.setProperty("num.io.threads", "4");
        props.setProperty("log.segment.bytes", String.valueOf(256 * 1024 * 1024));
        props.setProperty("message.max.bytes", String.valueOf(16 * 1024 * 1024));
        Path config = dataDir.resolve("server.properties");
        try (var out = Files.newBufferedWriter(config, StandardCharsets.UTF_8)) {
            props.store(out, "generated by KafkaBroker");
        }
        Files.writeString(dataDir.resolve("log4j2.properties"), """
                rootLogger.level = WARN
                rootLogger.appenderRef.file.ref = file
                appender.file.type = File
                appender.file.name = file
                appender.file.fileName = %s
                appender.file.layout.type = PatternLayout
                appender.file.layout.pattern = [%%d] %%p %%m (%%c)%%n
                logger.kafka.name = kafka.server.KafkaRaftServer
                logger.kafka.level = INFO
                """.formatted(dataDir.resolve("server.log")));
        return config;
    }

    private void format(Path config) throws IOException {
        String clusterId = base64ClusterId();
        ChildProcess tool = ChildProcess.startJvm("kafka-storage-format", List.of("-Xmx256m",
                        "-Dlog4j2.configurationFile=" + dataDir.resolve("log4j2.properties")),
                classPath, "kafka.tools.StorageTool",
                List.of("format", "--cluster-id", clusterId, "--config", config.toString(), "--ignore-formatted"),
                Map.of(), dataDir.resolve("format.log"));
        int exit = tool.awaitExit(Duration.ofSeconds(60));
        if (exit != 0) {
            throw new IllegalStateException("formatting Kafka storage failed (exit " + exit + "):\n" + tool.logTail(20));
        }
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        Map<String, Object> config = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000);
        try (Admin admin = Admin.create(config)) {
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("Kafka broker exited during start-up:\n" + process.logTail(40));
                }
                try {
                    if (!admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (ExecutionException | TimeoutException notYet) {
                    sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted waiting for Kafka", e);
                }
            }
        }
        String tail = process.logTail(40);
        stop();
        throw new IllegalStateException("Kafka broker not ready after " + READY_TIMEOUT.toSeconds() + " s:\n" + tail);
    }

    /**
     * A cluster id as Kafka makes them: a random UUID in URL-safe base64. Never one that starts with
     * '-' (1 in 64 would): the storage tool's argument parser takes {@code --cluster-id -…} for two
     * options and refuses to format — Kafka's own {@code Uuid.randomUuid()} skips those too.
     */
    static String base64ClusterId() {
        while (true) {
            UUID uuid = UUID.randomUUID();
            var buffer = java.nio.ByteBuffer.allocate(16).putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits());
            String id = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(buffer.array());
            if (id.charAt(0) != '-') {
                return id;
            }
        }
    }

    private static String brokerClassPath() {
        try (InputStream in = KafkaBroker.class.getResourceAsStream(BROKER_CLASSPATH_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing " + BROKER_CLASSPATH_RESOURCE + ": build the local/infra module with Maven first");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public String toString() {
        return "KafkaBroker[" + bootstrapServers() + ", " + dataDir + "]";
    }
}
