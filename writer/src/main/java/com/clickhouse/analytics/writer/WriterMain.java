package com.clickhouse.analytics.writer;

import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import com.clickhouse.analytics.ops.health.Check;
import com.clickhouse.analytics.ops.health.TopicCheck;
import com.clickhouse.analytics.ops.health.OperationsServer;
import com.clickhouse.analytics.ops.logging.Logging;
import com.clickhouse.analytics.schema.migration.MigrationException;
import com.clickhouse.analytics.schema.migration.SchemaMigrator;
import com.clickhouse.analytics.schema.record.Event;
import com.clickhouse.analytics.schema.record.EventCodec;
import com.clickhouse.analytics.writer.batch.BatchAccumulator;
import com.clickhouse.analytics.writer.batch.BatchProcessor;
import com.clickhouse.analytics.writer.clickhouse.BisectingInserter;
import com.clickhouse.analytics.writer.clickhouse.ClickHouseBatchWriter;
import com.clickhouse.analytics.writer.clickhouse.ClickHouseErrorClassifier;
import com.clickhouse.analytics.writer.clickhouse.ClickHouseTables;
import com.clickhouse.analytics.writer.clickhouse.EventInserter;
import com.clickhouse.analytics.writer.clickhouse.EventRow;
import com.clickhouse.analytics.writer.clickhouse.ShardLayout;
import com.clickhouse.analytics.writer.clickhouse.ShardedInserter;
import com.clickhouse.analytics.writer.clickhouse.TableLayout;
import com.clickhouse.analytics.writer.commit.OffsetTracker;
import com.clickhouse.analytics.writer.consume.ConsumerLoop;
import com.clickhouse.analytics.writer.consume.KafkaTopicIds;
import com.clickhouse.analytics.writer.consume.WriteCycle;
import com.clickhouse.analytics.writer.deadletter.DeadLetterSink;
import com.clickhouse.analytics.writer.deadletter.KafkaDeadLetterSink;
import com.clickhouse.analytics.writer.deletion.ClickHouseDeletionList;
import com.clickhouse.analytics.writer.deletion.DeletedIdFilter;
import com.clickhouse.analytics.writer.identity.CachingPersonStore;
import com.clickhouse.analytics.writer.enrich.Enricher;
import com.clickhouse.analytics.writer.identity.GroupResolver;
import com.clickhouse.analytics.writer.identity.GroupStore;
import com.clickhouse.analytics.writer.identity.IdentityResolver;
import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.ClientFaultCause;
import com.codahale.metrics.MetricRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code writer} entry point: reads {@link WriterConfig}, wires every component (the only place
 * that builds clients), serves health and metrics, and runs the {@link ConsumerLoop} on the main
 * thread until SIGTERM. Exit code 0 after a clean stop, 1 on a fatal error, 2 on bad configuration.
 */
public final class WriterMain {

    /** Set by the SIGTERM hook: main then must not call System.exit (it would block), the hook halts instead. */
    private static volatile boolean signalled;
    private static volatile int exitCode = 1;

    private WriterMain() {
    }

    public static void main(String[] args) {
        Logging.configure(System.getenv());
        WriterConfig config;
        try {
            config = WriterConfig.fromEnvironment(System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("writer: configuration error: " + e.getMessage());
            System.exit(2);
            return;
        }
        Logger log = LoggerFactory.getLogger(WriterMain.class);
        try {
            exitCode = run(config, log);
        } catch (RuntimeException e) { // WriterException.Fatal, or Kafka failing at start or during a rebalance
            log.error("writer stopped: {}", e.getMessage(), e);
            exitCode = 1;
        }
        if (!signalled) {
            System.exit(exitCode);
        }
        // SIGTERM: the shutdown hook is waiting for this thread and ends the JVM with exitCode.
    }

    static int run(WriterConfig config, Logger log) {
        Clock clock = Clock.systemUTC();
        MetricRegistry registry = new MetricRegistry();
        WriterMetrics metrics = new WriterMetrics(registry);
        ClickHouseErrorClassifier classifier = new ClickHouseErrorClassifier();
        Duration insertTimeout = Duration.ofSeconds(60);

        try (Client clickHouse = clickHouseClient(config, config.clickHouseUrl());
             ShardClients shards = ShardClients.open(config);
             Admin admin = Admin.create(kafkaProperties(config, Map.of(
                     AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000,
                     AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000)))) {

            TopicCheck topics = new TopicCheck(admin, List.of(config.eventsTopic(), config.dlqTopic()), Duration.ofSeconds(5));
            Readiness readiness = new Readiness(clickHouse, shards, admin, topics);
            registry.gauge("cpa_writer_ready", () -> readiness::lastAnswer);
            ConsumerLoop[] loop = new ConsumerLoop[1];
            Check alive = () -> loop[0] == null || loop[0].isAlive() ? Optional.empty() : Optional.of("consumer loop stopped");
            try (OperationsServer http = new OperationsServer("0.0.0.0", config.port(), alive, readiness::problem, registry).start();
                 OperationsServer management = config.managementPort() < 0 ? null
                         : new OperationsServer("0.0.0.0", config.managementPort(), alive, readiness::problem, registry).start()) {
                log.info("writer listening on port {}: {}", http.port(), config);

                checkTopics(config, topics, log);
                ClickHouseTables tables = awaitSchema(config, clickHouse, classifier, log);
                TableLayout<EventRow> events = tables.events();
                CachingPersonStore persons = new CachingPersonStore(tables.personStore(insertTimeout), config.personCacheSize());
                registry.gauge("cpa_writer_person_cache_hit_ratio", () -> persons::hitRatio);
                GroupStore groups = tables.groupStore(insertTimeout);

                try (Enricher enricher = Enricher.create(config.enrichment(), registry, clock);
                     KafkaProducer<byte[], byte[]> dlqProducer = new KafkaProducer<>(kafkaProperties(config, producerSettings()),
                        new ByteArraySerializer(), new ByteArraySerializer());
                     KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(kafkaProperties(config, consumerSettings(config)),
                             new ByteArrayDeserializer(), new ByteArrayDeserializer())) {

                    BatchProcessor processor = new BatchProcessor(new EventCodec(), enricher,
                            new IdentityResolver(persons, config.identityCacheSize(), config.personActivityResolution(), clock,
                                    metrics.identityOutcomes()),
                            new GroupResolver(groups, persons::insertWarnings, Event::project, clock, metrics::groupTypeUnmapped),
                            inserter(config, clickHouse, shards, events, classifier, insertTimeout, metrics),
                            new CountingDeadLetters(new KafkaDeadLetterSink(dlqProducer, config.dlqTopic(), Duration.ofSeconds(30)), metrics),
                            clock, new DeletedIdFilter(new ClickHouseDeletionList(clickHouse, config.clickHouseDatabase()),
                                    config.deletionListMax(), config.deletionRefresh(), clock, registry.counter("cpa_writer_deleted_person_events_dropped_total")::inc));
                    loop[0] = new ConsumerLoop(consumer, config.eventsTopic(), new KafkaTopicIds(admin, Duration.ofSeconds(10)),
                            new BatchAccumulator(config.batchMaxRows(), config.batchMaxBytes(), config.batchMaxAge(), clock),
                            processor, new OffsetTracker(),
                            new WriteCycle(new Backoff(config.retryInitialBackoff(), config.retryMaxBackoff(),
                                    () -> ThreadLocalRandom.current().nextDouble()), clock),
                            metrics, clock, maxPollRecords(config), config.batchMaxAge());

                    Thread main = Thread.currentThread();
                    Thread hook = new Thread(() -> {
                        signalled = true;
                        loop[0].stop();
                        try {
                            main.join(TimeUnit.SECONDS.toMillis(30));
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        // Without this the JVM reports 143 (killed by SIGTERM) even after a clean stop.
                        Runtime.getRuntime().halt(main.isAlive() ? 1 : exitCode);
                    }, "writer-shutdown");
                    Runtime.getRuntime().addShutdownHook(hook);
                    readiness.consuming();
                    loop[0].run();
                    log.info("writer stopped after {} rows", metrics.rowsInserted());
                }
            }
        }
        return 0;
    }

    /** Waits until ClickHouse answers and (with MIGRATE_ON_START) the schema is migrated; then reads the table layouts. */
    private static ClickHouseTables awaitSchema(WriterConfig config, Client clickHouse, ClickHouseErrorClassifier classifier, Logger log) {
        while (!ClickHouseTables.awaitReachable(clickHouse, Duration.ofSeconds(30))) {
            log.warn("ClickHouse at {} does not answer yet; waiting", config.clickHouseUrl());
        }
        if (config.migrateOnStart()) {
            try {
                var applied = SchemaMigrator.migrate(clickHouse, config.clickHouseDatabase());
                log.info("MIGRATE_ON_START: applied {} migration(s)", applied.size());
            } catch (MigrationException e) {
                throw new WriterException.Fatal("MIGRATE_ON_START failed: " + e.getMessage(), e);
            }
        }
        return new ClickHouseTables(clickHouse, config.clickHouseDatabase(), classifier);
    }

    /**
     * Events into {@code CLICKHOUSE_URL}'s node, or with {@code CLICKHOUSE_SHARDS} split over the
     * shards' local {@code events} (whose columns are those read from {@code CLICKHOUSE_URL}'s node:
     * the migrations create the same tables on every node).
     */
    private static EventInserter inserter(WriterConfig config, Client clickHouse, ShardClients shards, TableLayout<EventRow> events,
                                          ClickHouseErrorClassifier classifier, Duration insertTimeout, WriterMetrics metrics) {
        if (config.shards().isEmpty()) {
            return new BisectingInserter(new ClickHouseBatchWriter(clickHouse, events, classifier, insertTimeout));
        }
        List<BisectingInserter> perShard = shards.clients.stream()
                .map(client -> new BisectingInserter(new ClickHouseBatchWriter(client, events, classifier, insertTimeout)))
                .toList();
        return new ShardedInserter(config.shards(), perShard, metrics.shardCounts(perShard.size()));
    }

    /** One client per shard of {@code CLICKHOUSE_SHARDS} (none without), closed together. */
    private record ShardClients(List<Client> clients, ShardLayout layout) implements AutoCloseable {
        static ShardClients open(WriterConfig config) {
            return new ShardClients(config.shards().shards().stream().map(s -> clickHouseClient(config, s.url())).toList(), config.shards());
        }

        @Override
        public void close() {
            clients.forEach(Client::close);
        }
    }

    static Client clickHouseClient(WriterConfig config, String url) {
        return new Client.Builder()
                .addEndpoint(url)
                .setUsername(config.clickHouseUser())
                .setPassword(config.clickHousePassword())
                .setConnectTimeout(5, ChronoUnit.SECONDS)
                .setSocketTimeout(60, ChronoUnit.SECONDS)
                .setConnectionRequestTimeout(10, ChronoUnit.SECONDS)
                .retryOnFailures(ClientFaultCause.NoHttpResponse)
                .setMaxRetries(1)
                .setClientName("cpa-writer")
                .build();
    }

    static Map<String, Object> consumerSettings(WriterConfig config) {
        Map<String, Object> settings = new HashMap<>();
        settings.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
        settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        settings.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        settings.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        settings.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords(config));
        settings.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 32 * 1024 * 1024);
        settings.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024);
        // A write round (identity lookups, insert, dead letters) must fit well inside this.
        settings.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 300_000);
        return settings;
    }

    static int maxPollRecords(WriterConfig config) {
        return Math.min(config.batchMaxRows(), 10_000);
    }

    static Map<String, Object> producerSettings() {
        Map<String, Object> settings = new HashMap<>();
        settings.put(ProducerConfig.ACKS_CONFIG, "all");
        settings.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        settings.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        settings.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        settings.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        settings.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        return settings;
    }

    /** Our settings, then the KAFKA_* pass-through (which may override them), then the bootstrap servers. */
    static Map<String, Object> kafkaProperties(WriterConfig config, Map<String, Object> settings) {
        Map<String, Object> properties = new HashMap<>(settings);
        properties.putAll(config.kafkaClientProperties());
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        properties.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "cpa-writer-" + ProcessHandle.current().pid());
        return properties;
    }

    /**
     * Says at start what readiness will keep saying: a missing topic (not ready until it exists),
     * and fewer partitions than writers the autoscaler may start (the rest would idle).
     */
    private static void checkTopics(WriterConfig config, TopicCheck topics, Logger log) {
        try {
            int partitions = topics.partitions().get(config.eventsTopic());
            if (config.maxReplicas() > partitions) {
                log.warn("topic {} has {} partition(s) but up to {} writers may run (WRITER_MAX_REPLICAS): {} would idle",
                        config.eventsTopic(), partitions, config.maxReplicas(), config.maxReplicas() - partitions);
            }
        } catch (TopicCheck.MissingTopic e) {
            log.error("{}; not ready until it exists", e.getMessage());
        } catch (RuntimeException e) {
            log.warn("cannot check the topics yet: {}", e.getMessage());
        }
    }

    /**
     * Readiness: ClickHouse answers a ping (so does every shard of CLICKHOUSE_SHARDS), Kafka describes its cluster and the topics exist, each
     * within a few seconds, and start-up is over (migrations, the enrichment databases, the consumer and
     * the shutdown hook that makes SIGTERM a clean stop). The last answer is the {@code cpa_writer_ready} gauge (1 ready, 0 not, 0
     * before the first probe): a scrape reads it instead of probing, so {@code /metrics} never waits
     * on a ClickHouse or Kafka that does not answer; the kubelet's probe keeps it current.
     */
    private static final class Readiness {
        private final Client clickHouse;
        private final ShardClients shards;
        private final Admin admin;
        private final TopicCheck topics;
        private volatile boolean ready;
        private volatile boolean consuming;

        Readiness(Client clickHouse, ShardClients shards, Admin admin, TopicCheck topics) {
            this.clickHouse = clickHouse;
            this.shards = shards;
            this.admin = admin;
            this.topics = topics;
        }

        Optional<String> problem() {
            Optional<String> problem = probe();
            ready = problem.isEmpty();
            return problem;
        }

        Integer lastAnswer() {
            return ready ? 1 : 0;
        }

        /** Start-up is over: from here the consumer loop runs. */
        void consuming() {
            consuming = true;
        }

        private Optional<String> probe() {
            if (!clickHouse.ping(3_000)) {
                return Optional.of("ClickHouse does not answer");
            }
            for (int i = 0; i < shards.clients.size(); i++) {
                if (!shards.clients.get(i).ping(3_000)) {
                    return Optional.of("ClickHouse shard " + i + " (" + shards.layout.shards().get(i).url() + ") does not answer");
                }
            }
            try {
                admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                return Optional.of("Kafka does not answer");
            }
            Optional<String> topicProblem = topics.problem();
            if (topicProblem.isPresent()) {
                return topicProblem;
            }
            return consuming ? Optional.empty() : Optional.of("starting: the consumer does not run yet");
        }
    }

    /** Counts dead letters by reason once they are acknowledged. */
    private record CountingDeadLetters(DeadLetterSink delegate, WriterMetrics metrics) implements DeadLetterSink {
        @Override
        public void send(java.util.List<DeadLetter> letters) {
            delegate.send(letters);
            letters.forEach(l -> metrics.deadLettered(l.errorTag(), 1));
        }
    }
}
