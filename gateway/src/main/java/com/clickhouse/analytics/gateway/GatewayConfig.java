package com.clickhouse.analytics.gateway;

import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.clickhouse.analytics.gateway.http.TrustedProxies;
import com.clickhouse.analytics.gateway.limit.LimitsConfig;
import com.clickhouse.analytics.ops.config.ProjectKeys;
import com.clickhouse.analytics.ops.config.Settings;
import com.clickhouse.analytics.ops.logging.LogLevel;
import com.typesafe.config.ConfigValue;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Everything the gateway reads at start, parsed and validated once by the shared {@link Settings}
 * rules. Defaults live in {@code gateway.conf}; the environment variables of
 * {@code docs/conventions.md} override them. An invalid value fails {@link #load} with a
 * {@link IllegalArgumentException} whose message names the setting (the environment variable where
 * there is one).
 *
 * @param host               listen address
 * @param port               HTTP port; 0 picks a free one (tests)
 * @param logLevel           {@code LOG_LEVEL}
 * @param publicApiKeys      accepted keys and the project of each ({@code project:key} or a bare key, its own
 *                           project; several keys per project during rotation)
 * @param allowedOrigins     browser origins allowed, normalized by {@link #normalizeOrigin}, each with the
 *                           project it names ({@code project=origin}), or {@code ""} when it names none
 * @param maxBatchBytes      body limit, as received and after decoding
 * @param maxEventsPerBatch  events per request
 * @param trustedProxies     peers whose {@code X-Forwarded-For} is believed
 * @param kafkaBootstrapServers Kafka bootstrap servers
 * @param eventsTopic        topic the events go to
 * @param kafkaProperties    extra producer/admin settings (SASL, SSL, tuning): the HOCON block, then {@code KAFKA_*}
 * @param produceTimeout     bound on a produce: delivery timeout of every record
 * @param bufferMemory       producer {@code buffer.memory}
 * @param maxInFlightBytes   unacknowledged bytes admitted before requests are shed with 503
 * @param retryAfter         {@code Retry-After} of a 503
 * @param shutdownGrace      how long SIGTERM waits for in-flight requests
 * @param readinessInterval  period of the Kafka readiness probe
 * @param ioThreads          Undertow I/O threads
 * @param workerThreads      Undertow worker threads
 * @param readTimeout        read timeout of a connection
 * @param idleTimeout        idle timeout of a keep-alive connection
 * @param managementPort     port of {@code /metrics}, {@code /ready} and {@code /health} apart from the public one
 *                           ({@code /metrics} then leaves the public port), or -1 to serve them on the public port
 * @param segmentGroupType   {@code $group_type} of a Segment {@code group} call ({@code SEGMENT_GROUP_TYPE})
 * @param limits             rate limits, drop list, hot-key overflow and the historical lane (all off by default)
 */
public record GatewayConfig(
        String host,
        int port,
        LogLevel logLevel,
        ProjectKeys publicApiKeys,
        Map<String, String> allowedOrigins,
        int maxBatchBytes,
        int maxEventsPerBatch,
        TrustedProxies trustedProxies,
        String kafkaBootstrapServers,
        String eventsTopic,
        Map<String, String> kafkaProperties,
        Duration produceTimeout,
        long bufferMemory,
        long maxInFlightBytes,
        Duration retryAfter,
        Duration shutdownGrace,
        Duration readinessInterval,
        int ioThreads,
        int workerThreads,
        Duration readTimeout,
        Duration idleTimeout,
        int managementPort,
        String segmentGroupType,
        LimitsConfig limits) {

    /** Environment variable → config path, exactly the names of docs/conventions.md. */
    static final Map<String, String> ENVIRONMENT = Map.ofEntries(
            Map.entry("PORT", "gateway.port"),
            Map.entry("LOG_LEVEL", "gateway.log-level"),
            Map.entry("PUBLIC_API_KEYS", "gateway.public-api-keys"),
            Map.entry("ALLOWED_ORIGINS", "gateway.allowed-origins"),
            Map.entry("MAX_BATCH_BYTES", "gateway.max-batch-bytes"),
            Map.entry("MAX_EVENTS_PER_BATCH", "gateway.max-events-per-batch"),
            Map.entry("TRUSTED_PROXIES", "gateway.trusted-proxies"),
            Map.entry("KAFKA_BOOTSTRAP_SERVERS", "gateway.kafka.bootstrap-servers"),
            Map.entry("EVENTS_TOPIC", "gateway.kafka.events-topic"),
            Map.entry("MANAGEMENT_PORT", "gateway.management-port"),
            Map.entry("SEGMENT_GROUP_TYPE", "gateway.segment.group-type"),
            Map.entry("RATE_LIMIT_KEY_PER_SECOND", "gateway.limits.key-rate"),
            Map.entry("RATE_LIMIT_KEY_BURST", "gateway.limits.key-burst"),
            Map.entry("RATE_LIMIT_DISTINCT_ID_PER_SECOND", "gateway.limits.distinct-id-rate"),
            Map.entry("RATE_LIMIT_DISTINCT_ID_BURST", "gateway.limits.distinct-id-burst"),
            Map.entry("RATE_LIMIT_BUCKETS", "gateway.limits.distinct-id-buckets"),
            Map.entry("DROP_LIST", "gateway.limits.drop-list"),
            Map.entry("OVERFLOW_PER_SECOND", "gateway.limits.overflow-rate"),
            Map.entry("OVERFLOW_BURST", "gateway.limits.overflow-burst"),
            Map.entry("HISTORICAL_TOPIC", "gateway.lanes.historical-topic"),
            Map.entry("HISTORICAL_AFTER_DAYS", "gateway.lanes.historical-after-days"));

    public GatewayConfig {
        allowedOrigins = Map.copyOf(allowedOrigins);
        kafkaProperties = Map.copyOf(kafkaProperties);
    }

    /** Reads the defaults, system properties and {@code env}; throws naming the first bad setting. */
    public static GatewayConfig load(Map<String, String> env) {
        return load(env, Map.of());
    }

    /**
     * As {@link #load(Map)}, with {@code settings} (config paths such as
     * {@code gateway.kafka.produce-timeout}) between the environment and the system properties.
     */
    public static GatewayConfig load(Map<String, String> env, Map<String, String> settings) {
        Settings s = Settings.load(GatewayConfig.class, "gateway.conf", ENVIRONMENT, env, settings);
        LogLevel logLevel = s.logLevel("gateway.log-level");
        ProjectKeys keys;
        try {
            keys = ProjectKeys.parse(s.csv("gateway.public-api-keys"));
        } catch (IllegalArgumentException e) {
            throw s.invalid("gateway.public-api-keys", e.getMessage());
        }
        Map<String, String> origins = origins(s, keys);
        TrustedProxies proxies;
        try {
            proxies = TrustedProxies.parse(s.string("gateway.trusted-proxies"));
        } catch (IllegalArgumentException e) {
            throw s.invalid("gateway.trusted-proxies", e.getMessage());
        }
        String bootstrap = s.required("gateway.kafka.bootstrap-servers");
        String topic = topicName(s, "gateway.kafka.events-topic");
        long bufferMemory = s.longIn("gateway.kafka.buffer-memory", 1024 * 1024, Long.MAX_VALUE);
        long inFlight = s.longIn("gateway.kafka.max-in-flight-bytes", 1, Long.MAX_VALUE);
        if (inFlight > bufferMemory) {
            throw s.invalid("gateway.kafka.max-in-flight-bytes", "(" + inFlight + ") must not exceed gateway.kafka.buffer-memory ("
                    + bufferMemory + "), or a full producer buffer would block instead of shedding load");
        }
        int maxBatchBytes = s.intIn("gateway.max-batch-bytes", 1024, Integer.MAX_VALUE - 16);
        int cores = Runtime.getRuntime().availableProcessors();
        int io = s.intIn("gateway.http.io-threads", 0, 1024);
        int workers = s.intIn("gateway.http.worker-threads", 0, 4096);
        String groupType = s.string("gateway.segment.group-type").strip();
        if (groupType.isEmpty() || groupType.length() > 400) {
            throw s.invalid("gateway.segment.group-type", "must be a group type name such as company");
        }
        return new GatewayConfig(
                s.string("gateway.host"),
                s.intIn("gateway.port", 0, 65535),
                logLevel,
                keys,
                origins,
                maxBatchBytes,
                s.intIn("gateway.max-events-per-batch", 1, 10_000_000),
                proxies,
                bootstrap,
                topic,
                kafkaProperties(s),
                s.duration("gateway.kafka.produce-timeout", Duration.ofMillis(100)),
                bufferMemory,
                inFlight,
                s.duration("gateway.retry-after", Duration.ofSeconds(1)),
                s.duration("gateway.shutdown-grace", Duration.ZERO),
                s.duration("gateway.readiness-interval", Duration.ofMillis(50)),
                io == 0 ? Math.max(2, cores) : io,
                workers == 0 ? cores + 1 : workers,
                s.duration("gateway.http.read-timeout", Duration.ofMillis(100)),
                s.duration("gateway.http.idle-timeout", Duration.ofMillis(100)),
                s.intIn("gateway.management-port", -1, 65535),
                groupType,
                limits(s, topic));
    }

    /**
     * {@code ALLOWED_ORIGINS}: {@code origin} or {@code project=origin} (an origin never contains
     * {@code '='}, so the first one splits). A named project must be one that a key names: a keyless
     * request from the origin lands in it, and a typo would otherwise start a project of its own.
     */
    private static Map<String, String> origins(Settings s, ProjectKeys keys) {
        Map<String, String> origins = new LinkedHashMap<>();
        for (String entry : s.csv("gateway.allowed-origins")) {
            int eq = entry.indexOf('=');
            String project = eq < 0 ? "" : entry.substring(0, eq).strip();
            String origin = eq < 0 ? entry : entry.substring(eq + 1);
            if (eq >= 0 && project.isEmpty()) {
                throw s.invalid("gateway.allowed-origins", "'" + entry + "' names an empty project (write project=https://app.example.com)");
            }
            String normalized = normalizeOrigin(origin);
            if (normalized == null) {
                throw s.invalid("gateway.allowed-origins", "'" + origin + "' is not an origin like https://app.example.com");
            }
            if (!project.isEmpty() && !keys.hasProject(project)) {
                throw s.invalid("gateway.allowed-origins", "'" + entry + "' names project '" + project
                        + "', which no entry of PUBLIC_API_KEYS names (write project:key there)");
            }
            String before = origins.putIfAbsent(normalized, project);
            if (before != null && !before.equals(project)) {
                throw s.invalid("gateway.allowed-origins", "origin " + normalized + " is listed for two projects ('" + before + "' and '"
                        + project + "')");
            }
        }
        return origins;
    }

    private static String topicName(Settings s, String path) {
        String topic = s.string(path).strip();
        if (!topic.matches("[A-Za-z0-9._-]{1,249}")) {
            throw s.invalid(path, "'" + topic + "' is not a valid Kafka topic name");
        }
        return topic;
    }

    private static LimitsConfig limits(Settings s, String eventsTopic) {
        long keyRate = s.longIn("gateway.limits.key-rate", 0, 1_000_000_000);
        long idRate = s.longIn("gateway.limits.distinct-id-rate", 0, 1_000_000_000);
        long overflowRate = s.longIn("gateway.limits.overflow-rate", 0, 1_000_000_000);
        String historical = s.string("gateway.lanes.historical-topic").isBlank() ? "" : topicName(s, "gateway.lanes.historical-topic");
        if (historical.equals(eventsTopic)) {
            throw s.invalid("gateway.lanes.historical-topic", "must differ from the events topic (" + eventsTopic + "), or be empty");
        }
        int afterDays = s.intIn("gateway.lanes.historical-after-days", 0, 100_000);
        if (afterDays > 0 && historical.isEmpty()) {
            throw s.invalid("gateway.lanes.historical-after-days", "needs HISTORICAL_TOPIC: old events go to the historical topic");
        }
        return new LimitsConfig(keyRate, burst(s, "gateway.limits.key-burst", keyRate), idRate,
                burst(s, "gateway.limits.distinct-id-burst", idRate), s.intIn("gateway.limits.distinct-id-buckets", 1, 100_000_000),
                new LinkedHashSet<>(s.csv("gateway.limits.drop-list")), overflowRate,
                burst(s, "gateway.limits.overflow-burst", overflowRate), historical, Duration.ofDays(afterDays));
    }

    /** A bucket's capacity: as configured, or one second of its rate when 0. */
    private static long burst(Settings s, String path, long rate) {
        long burst = s.longIn(path, 0, 1_000_000_000);
        return burst == 0 ? rate : burst;
    }

    /** {@code scheme://host[:port]} in lower case, or null when {@code origin} is not one. */
    public static String normalizeOrigin(String origin) {
        if (origin == null) {
            return null;
        }
        String o = origin.strip().toLowerCase(Locale.ROOT);
        while (o.endsWith("/")) {
            o = o.substring(0, o.length() - 1);
        }
        int scheme = o.indexOf("://");
        if (scheme <= 0 || o.length() == scheme + 3 || o.indexOf('/', scheme + 3) >= 0 || o.indexOf(' ') >= 0) {
            return null;
        }
        String s = o.substring(0, scheme);
        if (!s.chars().allMatch(c -> (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')) {
            return null;
        }
        return o;
    }

    /** The HOCON block's producer/admin settings, then the KAFKA_* pass-through (which wins). */
    private static Map<String, String> kafkaProperties(Settings s) {
        Set<String> known = new HashSet<>(ProducerConfig.configNames());
        known.addAll(AdminClientConfig.configNames());
        Map<String, String> props = new LinkedHashMap<>();
        for (Map.Entry<String, ConfigValue> e : s.block("gateway.kafka.properties").entrySet()) {
            String name = e.getKey().replace("\"", "");
            if (!known.contains(name)) {
                throw s.invalid("gateway.kafka.properties." + name, "is not a Kafka producer setting");
            }
            props.put(name, String.valueOf(e.getValue().unwrapped()));
        }
        props.putAll(s.kafkaPassThrough());
        return props;
    }

    @Override
    public String toString() {
        // Keys are secrets: never printed.
        return "GatewayConfig[port=" + port + ", publicApiKeys=" + publicApiKeys + ", allowedOrigins=" + allowedOrigins
                + ", maxBatchBytes=" + maxBatchBytes + ", maxEventsPerBatch=" + maxEventsPerBatch + ", trustedProxies=" + trustedProxies
                + ", kafka=" + kafkaBootstrapServers + ", topic=" + eventsTopic + ", kafkaProperties=" + kafkaProperties.keySet()
                + ", produceTimeout=" + produceTimeout + (limits.any() ? ", limits on" : "")
                + (limits.historicalTopic().isEmpty() ? "" : ", historical=" + limits.historicalTopic()) + "]";
    }
}
