package com.clickhouse.analytics.gateway;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.clickhouse.analytics.gateway.http.TrustedProxies;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Everything the gateway reads at start, parsed and validated once. Defaults live in
 * {@code reference.conf}; the environment variables of {@code docs/conventions.md} override them.
 * An invalid value fails {@link #load} with a {@link IllegalArgumentException} whose message names
 * the setting (the environment variable where there is one).
 *
 * @param host               listen address
 * @param port               HTTP port; 0 picks a free one (tests)
 * @param logLevel           slf4j level name
 * @param publicApiKeys      accepted project keys (several during rotation)
 * @param allowedOrigins     browser origins allowed, normalized by {@link #normalizeOrigin}
 * @param maxBatchBytes      body limit, as received and after decoding
 * @param maxEventsPerBatch  events per request
 * @param trustedProxies     peers whose {@code X-Forwarded-For} is believed
 * @param kafkaBootstrapServers Kafka bootstrap servers
 * @param eventsTopic        topic the events go to
 * @param kafkaProperties    extra producer/admin settings (SASL, SSL, tuning)
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
 */
public record GatewayConfig(
        String host,
        int port,
        String logLevel,
        List<String> publicApiKeys,
        Set<String> allowedOrigins,
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
        Duration idleTimeout) {

    /** Environment variable → config path, exactly the names of docs/conventions.md. */
    static final Map<String, String> ENVIRONMENT = Map.of(
            "PORT", "gateway.port",
            "LOG_LEVEL", "gateway.log-level",
            "PUBLIC_API_KEYS", "gateway.public-api-keys",
            "ALLOWED_ORIGINS", "gateway.allowed-origins",
            "MAX_BATCH_BYTES", "gateway.max-batch-bytes",
            "MAX_EVENTS_PER_BATCH", "gateway.max-events-per-batch",
            "TRUSTED_PROXIES", "gateway.trusted-proxies",
            "KAFKA_BOOTSTRAP_SERVERS", "gateway.kafka.bootstrap-servers",
            "EVENTS_TOPIC", "gateway.kafka.events-topic");

    private static final Set<String> LOG_LEVELS = Set.of("trace", "debug", "info", "warn", "error", "silent", "fatal", "off");

    public GatewayConfig {
        publicApiKeys = List.copyOf(publicApiKeys);
        allowedOrigins = Set.copyOf(allowedOrigins);
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
        Map<String, Object> overrides = new LinkedHashMap<>();
        ENVIRONMENT.forEach((variable, path) -> {
            String value = env.get(variable);
            if (value != null) {
                overrides.put(path, value);
            }
        });
        Config config = ConfigFactory.parseMap(overrides, "environment")
                .withFallback(ConfigFactory.parseMap(settings, "settings"))
                .withFallback(ConfigFactory.parseProperties(System.getProperties()))
                .withFallback(ConfigFactory.defaultReference())
                .resolve();
        return from(config, env);
    }

    static GatewayConfig from(Config root, Map<String, String> env) {
        Reader r = new Reader(root);
        String logLevel = r.string("gateway.log-level").toLowerCase(Locale.ROOT);
        if (!LOG_LEVELS.contains(logLevel)) {
            throw r.invalid("gateway.log-level", "must be one of trace, debug, info, warn, error, got '" + logLevel + "'");
        }
        Set<String> origins = new LinkedHashSet<>();
        for (String origin : csv(r.string("gateway.allowed-origins"))) {
            String normalized = normalizeOrigin(origin);
            if (normalized == null) {
                throw r.invalid("gateway.allowed-origins", "'" + origin + "' is not an origin like https://app.example.com");
            }
            origins.add(normalized);
        }
        TrustedProxies proxies;
        try {
            proxies = TrustedProxies.parse(r.string("gateway.trusted-proxies"));
        } catch (IllegalArgumentException e) {
            throw r.invalid("gateway.trusted-proxies", e.getMessage());
        }
        String bootstrap = r.string("gateway.kafka.bootstrap-servers").strip();
        if (bootstrap.isEmpty()) {
            throw r.invalid("gateway.kafka.bootstrap-servers", "is required (host:port[,host:port…])");
        }
        String topic = r.string("gateway.kafka.events-topic").strip();
        if (topic.isEmpty() || !topic.matches("[A-Za-z0-9._-]{1,249}")) {
            throw r.invalid("gateway.kafka.events-topic", "'" + topic + "' is not a valid Kafka topic name");
        }
        long bufferMemory = r.positiveLong("gateway.kafka.buffer-memory", 1024 * 1024);
        long inFlight = r.positiveLong("gateway.kafka.max-in-flight-bytes", 1);
        if (inFlight > bufferMemory) {
            throw r.invalid("gateway.kafka.max-in-flight-bytes", "(" + inFlight + ") must not exceed gateway.kafka.buffer-memory ("
                    + bufferMemory + "), or a full producer buffer would block instead of shedding load");
        }
        int maxBatchBytes = r.intIn("gateway.max-batch-bytes", 1024, Integer.MAX_VALUE - 16);
        int cores = Runtime.getRuntime().availableProcessors();
        int io = r.intIn("gateway.http.io-threads", 0, 1024);
        int workers = r.intIn("gateway.http.worker-threads", 0, 4096);
        return new GatewayConfig(
                r.string("gateway.host"),
                r.intIn("gateway.port", 0, 65535),
                logLevel,
                csv(r.string("gateway.public-api-keys")),
                origins,
                maxBatchBytes,
                r.intIn("gateway.max-events-per-batch", 1, 10_000_000),
                proxies,
                bootstrap,
                topic,
                kafkaProperties(r, root, env),
                r.duration("gateway.kafka.produce-timeout", Duration.ofMillis(100)),
                bufferMemory,
                inFlight,
                r.duration("gateway.retry-after", Duration.ofSeconds(1)),
                r.duration("gateway.shutdown-grace", Duration.ZERO),
                r.duration("gateway.readiness-interval", Duration.ofMillis(50)),
                io == 0 ? Math.max(2, cores) : io,
                workers == 0 ? cores + 1 : workers,
                r.duration("gateway.http.read-timeout", Duration.ofMillis(100)),
                r.duration("gateway.http.idle-timeout", Duration.ofMillis(100)));
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

    private static Map<String, String> kafkaProperties(Reader r, Config root, Map<String, String> env) {
        Set<String> known = new java.util.HashSet<>(ProducerConfig.configNames());
        known.addAll(AdminClientConfig.configNames());
        Map<String, String> props = new LinkedHashMap<>();
        Config block = root.getConfig("gateway.kafka.properties");
        for (Map.Entry<String, ConfigValue> e : block.entrySet()) {
            String name = e.getKey().replace("\"", "");
            if (!known.contains(name)) {
                throw r.invalid("gateway.kafka.properties." + name, "is not a Kafka producer setting");
            }
            props.put(name, String.valueOf(e.getValue().unwrapped()));
        }
        // KAFKA_SECURITY_PROTOCOL -> security.protocol. Variables that are no client setting (the
        // broker image's KAFKA_HEAP_OPTS, KAFKA_OPTS, …) are none of the gateway's business.
        env.forEach((variable, value) -> {
            if (variable.startsWith("KAFKA_") && !variable.equals("KAFKA_BOOTSTRAP_SERVERS")) {
                String name = variable.substring("KAFKA_".length()).toLowerCase(Locale.ROOT).replace('_', '.');
                if (known.contains(name)) {
                    props.put(name, value);
                }
            }
        });
        return props;
    }

    public static List<String> csv(String value) {
        List<String> out = new ArrayList<>();
        Arrays.stream(value.split(",")).map(String::strip).filter(s -> !s.isEmpty()).forEach(out::add);
        return out;
    }

    @Override
    public String toString() {
        // Keys are secrets: never printed.
        return "GatewayConfig[port=" + port + ", publicApiKeys=" + publicApiKeys.size() + " key(s), allowedOrigins=" + allowedOrigins
                + ", maxBatchBytes=" + maxBatchBytes + ", maxEventsPerBatch=" + maxEventsPerBatch + ", trustedProxies=" + trustedProxies
                + ", kafka=" + kafkaBootstrapServers + ", topic=" + eventsTopic + ", kafkaProperties=" + kafkaProperties.keySet()
                + ", produceTimeout=" + produceTimeout + "]";
    }

    /** Typed reads that name the setting — by its environment variable where it has one — on failure. */
    private record Reader(Config config) {

        String string(String path) {
            try {
                return config.getString(path);
            } catch (ConfigException e) {
                throw invalid(path, "must be a string (" + e.getMessage() + ")");
            }
        }

        int intIn(String path, int min, int max) {
            long v = longValue(path);
            if (v < min || v > max) {
                throw invalid(path, "must be between " + min + " and " + max + ", got " + v);
            }
            return (int) v;
        }

        long positiveLong(String path, long min) {
            long v = longValue(path);
            if (v < min) {
                throw invalid(path, "must be at least " + min + ", got " + v);
            }
            return v;
        }

        private long longValue(String path) {
            String text = string(path).strip();
            try {
                return Long.parseLong(text);
            } catch (NumberFormatException e) {
                throw invalid(path, "must be an integer, got '" + text + "'");
            }
        }

        Duration duration(String path, Duration min) {
            Duration d;
            try {
                d = config.getDuration(path);
            } catch (ConfigException e) {
                throw invalid(path, "must be a duration like 5s or 500ms");
            }
            if (d.compareTo(min) < 0) {
                throw invalid(path, "must be at least " + min + ", got " + d);
            }
            return d;
        }

        IllegalArgumentException invalid(String path, String problem) {
            String name = ENVIRONMENT.entrySet().stream().filter(e -> e.getValue().equals(path)).map(Map.Entry::getKey)
                    .findFirst().map(v -> v + " (" + path + ")").orElse(path);
            return new IllegalArgumentException("Invalid configuration: " + name + " " + problem);
        }
    }
}
