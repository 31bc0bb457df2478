package com.clickhouse.analytics.writer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.clickhouse.analytics.ops.config.Settings;
import com.clickhouse.analytics.ops.logging.LogLevel;
import com.clickhouse.analytics.writer.clickhouse.ShardLayout;
import com.clickhouse.analytics.writer.enrich.EnrichmentConfig;
import com.clickhouse.analytics.writer.enrich.IpMode;

/**
 * The writer's configuration, parsed and validated once at start-up by the shared
 * {@link Settings} rules from {@code writer.conf} and the environment variables of
 * {@code docs/conventions.md}. Immutable; a bad value fails with a message naming the variable.
 *
 * @param maxReplicas           how many writers may run at most (the chart's autoscaling maximum), 0 if unknown:
 *                              partitions beyond the topic's count would idle, so start-up warns
 * @param managementPort        a second port for health, readiness and metrics (the chart's management Service), or -1
 * @param deletionListMax       most deleted distinct ids held in memory (the newest)
 * @param deletionRefresh       how often the deletion list is read again
 * @param shards                {@code CLICKHOUSE_SHARDS}: the nodes to insert events into on a sharded cluster, one per
 *                              shard; {@link ShardLayout#NONE} (unset) inserts into {@code CLICKHOUSE_URL}'s node
 * @param kafkaClientProperties the {@code KAFKA_*} client settings ({@code KAFKA_SECURITY_PROTOCOL} → {@code security.protocol})
 */
public record WriterConfig(
        int port,
        LogLevel logLevel,
        String bootstrapServers,
        String eventsTopic,
        String dlqTopic,
        String groupId,
        int batchMaxRows,
        long batchMaxBytes,
        Duration batchMaxAge,
        String clickHouseUrl,
        String clickHouseUser,
        String clickHousePassword,
        String clickHouseDatabase,
        boolean migrateOnStart,
        Duration retryInitialBackoff,
        Duration retryMaxBackoff,
        int identityCacheSize,
        int personCacheSize,
        Duration personActivityResolution,
        int maxReplicas,
        int managementPort,
        EnrichmentConfig enrichment,
        int deletionListMax,
        Duration deletionRefresh,
        ShardLayout shards,
        Map<String, String> kafkaClientProperties) {

    /** Environment variable → config path: the variables the writer reads besides the KAFKA_* pass-through. */
    static final Map<String, String> ENVIRONMENT = Map.ofEntries(
            Map.entry("PORT", "writer.port"),
            Map.entry("LOG_LEVEL", "writer.log-level"),
            Map.entry("KAFKA_BOOTSTRAP_SERVERS", "writer.kafka.bootstrap-servers"),
            Map.entry("EVENTS_TOPIC", "writer.kafka.events-topic"),
            Map.entry("DLQ_TOPIC", "writer.kafka.dlq-topic"),
            Map.entry("WRITER_GROUP_ID", "writer.kafka.group-id"),
            Map.entry("WRITER_BATCH_MAX_ROWS", "writer.batch.max-rows"),
            Map.entry("WRITER_BATCH_MAX_BYTES", "writer.batch.max-bytes"),
            Map.entry("WRITER_BATCH_MAX_AGE_MS", "writer.batch.max-age-ms"),
            Map.entry("CLICKHOUSE_URL", "writer.clickhouse.url"),
            Map.entry("CLICKHOUSE_USER", "writer.clickhouse.user"),
            Map.entry("CLICKHOUSE_PASSWORD", "writer.clickhouse.password"),
            Map.entry("CLICKHOUSE_DATABASE", "writer.clickhouse.database"),
            Map.entry("MIGRATE_ON_START", "writer.clickhouse.migrate-on-start"),
            Map.entry("CLICKHOUSE_SHARDS", "writer.clickhouse.shards"),
            Map.entry("WRITER_MAX_REPLICAS", "writer.max-replicas"),
            Map.entry("WRITER_PERSON_CACHE_SIZE", "writer.person-cache-size"),
            Map.entry("WRITER_PERSON_ACTIVITY_RESOLUTION", "writer.person-activity-resolution"),
            Map.entry("MANAGEMENT_PORT", "writer.management-port"),
            Map.entry("ENRICH_USER_AGENTS", "writer.enrich.user-agents"),
            Map.entry("GEOIP_DATABASE", "writer.enrich.geoip-database"),
            Map.entry("IP_MODE", "writer.enrich.ip-mode"),
            Map.entry("DROP_BOTS", "writer.enrich.drop-bots"),
            Map.entry("BOT_PATTERNS", "writer.enrich.bot-patterns"),
            Map.entry("WRITER_DELETION_LIST_MAX", "writer.deletion.list-max"),
            Map.entry("WRITER_DELETION_REFRESH_SECONDS", "writer.deletion.refresh-seconds"));

    public WriterConfig {
        kafkaClientProperties = Map.copyOf(kafkaClientProperties);
    }

    /** Reads the configuration from {@code environment} (normally {@link System#getenv()}). */
    public static WriterConfig fromEnvironment(Map<String, String> environment) {
        Settings s = settings(environment);
        String eventsTopic = s.required("writer.kafka.events-topic");
        String dlqTopic = s.required("writer.kafka.dlq-topic");
        if (eventsTopic.equals(dlqTopic)) {
            throw s.invalid("writer.kafka.dlq-topic", "must differ from EVENTS_TOPIC (both are " + eventsTopic + ")");
        }
        return new WriterConfig(
                s.intIn("writer.port", 0, 65_535),
                s.logLevel("writer.log-level"),
                s.required("writer.kafka.bootstrap-servers"),
                eventsTopic,
                dlqTopic,
                s.required("writer.kafka.group-id"),
                s.intIn("writer.batch.max-rows", 1, 10_000_000),
                s.longIn("writer.batch.max-bytes", 1024, 1L << 31),
                Duration.ofMillis(s.longIn("writer.batch.max-age-ms", 1, 600_000)),
                s.clickHouseUrl("writer.clickhouse.url"),
                s.required("writer.clickhouse.user"),
                s.string("writer.clickhouse.password"),
                s.databaseName("writer.clickhouse.database").value(),
                s.bool("writer.clickhouse.migrate-on-start"),
                Duration.ofMillis(s.longIn("writer.retry.initial-backoff-ms", 1, 60_000)),
                Duration.ofMillis(s.longIn("writer.retry.max-backoff-ms", 1, 600_000)),
                s.intIn("writer.identity-cache-size", 0, 50_000_000),
                s.intIn("writer.person-cache-size", 0, 10_000_000),
                s.duration("writer.person-activity-resolution", Duration.ofSeconds(1)),
                s.intIn("writer.max-replicas", 0, 10_000),
                s.intIn("writer.management-port", -1, 65_535),
                enrichment(s),
                s.intIn("writer.deletion.list-max", 1, 100_000_000),
                Duration.ofSeconds(s.longIn("writer.deletion.refresh-seconds", 1, 86_400)),
                shards(s),
                s.kafkaPassThrough());
    }

    /** The writer's settings unvalidated, for its commands that need only some of them ({@code dlq}). */
    public static Settings settings(Map<String, String> environment) {
        return Settings.load(WriterConfig.class, "writer.conf", ENVIRONMENT, environment, Map.of());
    }

    private static ShardLayout shards(Settings s) {
        try {
            return ShardLayout.parse(s.string("writer.clickhouse.shards"));
        } catch (IllegalArgumentException e) {
            throw s.invalid("writer.clickhouse.shards", e.getMessage());
        }
    }

    private static EnrichmentConfig enrichment(Settings s) {
        IpMode ipMode;
        try {
            ipMode = IpMode.parse(s.required("writer.enrich.ip-mode"));
        } catch (IllegalArgumentException e) {
            throw s.invalid("writer.enrich.ip-mode", "must be store, truncate or drop");
        }
        String patterns = s.string("writer.enrich.bot-patterns");
        try {
            java.util.regex.Pattern.compile(patterns);
        } catch (java.util.regex.PatternSyntaxException e) {
            throw s.invalid("writer.enrich.bot-patterns", "is not a regular expression: " + e.getDescription());
        }
        List<Path> databases = s.csv("writer.enrich.geoip-database").stream().map(Path::of).toList();
        return new EnrichmentConfig(s.bool("writer.enrich.user-agents"), databases,
                Duration.ofMillis(s.longIn("writer.enrich.geoip-check-ms", 100, 3_600_000)), ipMode,
                s.bool("writer.enrich.drop-bots"), patterns, s.intIn("writer.enrich.cache-size", 0, 10_000_000));
    }

    @Override
    public String toString() { // never the password nor pass-through values (they may hold secrets)
        return "WriterConfig[port=" + port + ", kafka=" + bootstrapServers + ", topic=" + eventsTopic + ", dlq=" + dlqTopic
                + ", group=" + groupId + ", batch=" + batchMaxRows + " rows/" + batchMaxBytes + " B/" + batchMaxAge.toMillis()
                + " ms, clickhouse=" + clickHouseUrl + " db=" + clickHouseDatabase + " user=" + clickHouseUser
                + (shards.isEmpty() ? "" : ", shards=" + shards)
                + ", migrateOnStart=" + migrateOnStart + ", " + enrichment + ", kafkaProperties=" + kafkaClientProperties.keySet() + "]";
    }
}
