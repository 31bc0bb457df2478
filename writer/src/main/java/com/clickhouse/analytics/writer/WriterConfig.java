package com.clickhouse.analytics.writer;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;

/**
 * The writer's configuration, parsed and validated once at start-up from {@code writer.conf}
 * defaults and the environment variable names of {@code docs/conventions.md}. Immutable; a bad
 * value fails with a message naming the environment variable to fix.
 *
 * @param kafkaClientProperties every other {@code KAFKA_*} variable, as Kafka client properties
 *                              ({@code KAFKA_SECURITY_PROTOCOL} → {@code security.protocol})
 */
public record WriterConfig(
        int port,
        String logLevel,
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
        Map<String, String> kafkaClientProperties) {

    /** The environment variables the writer reads (docs/conventions.md), besides KAFKA_* pass-through. */
    static final java.util.List<String> ENVIRONMENT_NAMES = java.util.List.of("PORT", "LOG_LEVEL", "KAFKA_BOOTSTRAP_SERVERS",
            "EVENTS_TOPIC", "DLQ_TOPIC", "WRITER_GROUP_ID", "WRITER_BATCH_MAX_ROWS", "WRITER_BATCH_MAX_BYTES",
            "WRITER_BATCH_MAX_AGE_MS", "CLICKHOUSE_URL", "CLICKHOUSE_USER", "CLICKHOUSE_PASSWORD", "CLICKHOUSE_DATABASE",
            "MIGRATE_ON_START");

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final java.util.Set<String> LEVELS = java.util.Set.of("trace", "debug", "info", "warn", "error");

    public WriterConfig {
        kafkaClientProperties = Map.copyOf(kafkaClientProperties);
    }

    /** Reads the configuration from {@code environment} (normally {@link System#getenv()}). */
    public static WriterConfig fromEnvironment(Map<String, String> environment) {
        Map<String, String> known = new TreeMap<>();
        for (String name : ENVIRONMENT_NAMES) { // only these: parseMap reads keys as paths, and secrets stay out of messages
            if (environment.containsKey(name)) {
                known.put(name, environment.get(name));
            }
        }
        Config config;
        try {
            config = ConfigFactory.parseResources(WriterConfig.class, "/writer.conf")
                    .withFallback(ConfigFactory.parseMap(known, "environment"))
                    .resolve()
                    .getConfig("writer");
        } catch (ConfigException e) {
            throw new IllegalArgumentException("cannot read the writer configuration: " + e.getMessage(), e);
        }
        Reader r = new Reader(config);
        WriterConfig parsed = new WriterConfig(
                r.intIn("port", "PORT", 0, 65_535),
                r.logLevel(),
                r.required("kafka.bootstrap-servers", "KAFKA_BOOTSTRAP_SERVERS"),
                r.nonBlank("kafka.events-topic", "EVENTS_TOPIC"),
                r.nonBlank("kafka.dlq-topic", "DLQ_TOPIC"),
                r.nonBlank("kafka.group-id", "WRITER_GROUP_ID"),
                r.intIn("batch.max-rows", "WRITER_BATCH_MAX_ROWS", 1, 10_000_000),
                r.longIn("batch.max-bytes", "WRITER_BATCH_MAX_BYTES", 1024, 1L << 31),
                Duration.ofMillis(r.longIn("batch.max-age-ms", "WRITER_BATCH_MAX_AGE_MS", 1, 600_000)),
                r.url(),
                r.nonBlank("clickhouse.user", "CLICKHOUSE_USER"),
                config.getString("clickhouse.password"),
                r.identifier("clickhouse.database", "CLICKHOUSE_DATABASE"),
                r.bool("clickhouse.migrate-on-start", "MIGRATE_ON_START"),
                Duration.ofMillis(r.longIn("retry.initial-backoff-ms", "writer.retry.initial-backoff-ms", 1, 60_000)),
                Duration.ofMillis(r.longIn("retry.max-backoff-ms", "writer.retry.max-backoff-ms", 1, 600_000)),
                r.intIn("identity-cache-size", "writer.identity-cache-size", 0, 50_000_000),
                kafkaPassThrough(environment));
        if (parsed.eventsTopic.equals(parsed.dlqTopic)) {
            throw new IllegalArgumentException("DLQ_TOPIC must differ from EVENTS_TOPIC (both are " + parsed.eventsTopic + ")");
        }
        return parsed;
    }

    /** {@code KAFKA_FOO_BAR=x} → {@code foo.bar=x}, except the bootstrap servers read above. */
    static Map<String, String> kafkaPassThrough(Map<String, String> environment) {
        Map<String, String> properties = new TreeMap<>();
        environment.forEach((name, value) -> {
            if (name.startsWith("KAFKA_") && !name.equals("KAFKA_BOOTSTRAP_SERVERS") && name.length() > "KAFKA_".length()) {
                properties.put(name.substring("KAFKA_".length()).toLowerCase(Locale.ROOT).replace('_', '.'), value);
            }
        });
        return properties;
    }

    @Override
    public String toString() { // never the password nor pass-through values (they may hold secrets)
        return "WriterConfig[port=" + port + ", kafka=" + bootstrapServers + ", topic=" + eventsTopic + ", dlq=" + dlqTopic
                + ", group=" + groupId + ", batch=" + batchMaxRows + " rows/" + batchMaxBytes + " B/" + batchMaxAge.toMillis()
                + " ms, clickhouse=" + clickHouseUrl + " db=" + clickHouseDatabase + " user=" + clickHouseUser
                + ", migrateOnStart=" + migrateOnStart + ", kafkaProperties=" + kafkaClientProperties.keySet() + "]";
    }

    /** Typed reads that name the environment variable in every error. */
    private record Reader(Config config) {

        String required(String path, String env) {
            if (!config.hasPath(path)) {
                throw new IllegalArgumentException(env + " is required");
            }
            return nonBlank(path, env);
        }

        String nonBlank(String path, String env) {
            String value = string(path, env).strip();
            if (value.isEmpty()) {
                throw new IllegalArgumentException(env + " must not be empty");
            }
            return value;
        }

        String identifier(String path, String env) {
            String value = nonBlank(path, env);
            if (!IDENTIFIER.matcher(value).matches()) {
                throw new IllegalArgumentException(env + " must be a plain identifier ([A-Za-z_][A-Za-z0-9_]*), got '" + value + "'");
            }
            return value;
        }

        String url() {
            String value = required("clickhouse.url", "CLICKHOUSE_URL");
            try {
                URI uri = URI.create(value);
                if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                    throw new IllegalArgumentException("not an http(s) URL");
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("CLICKHOUSE_URL must be an http(s) URL like http://clickhouse:8123, got '" + value + "'");
            }
            return value;
        }

        String logLevel() {
            String value = nonBlank("log-level", "LOG_LEVEL").toLowerCase(Locale.ROOT);
            if (!LEVELS.contains(value)) {
                throw new IllegalArgumentException("LOG_LEVEL must be one of " + new java.util.TreeSet<>(LEVELS) + ", got '" + value + "'");
            }
            return value;
        }

        boolean bool(String path, String env) {
            String value = nonBlank(path, env).toLowerCase(Locale.ROOT);
            return switch (value) {
                case "true", "1", "yes" -> true;
                case "false", "0", "no" -> false;
                default -> throw new IllegalArgumentException(env + " must be true or false, got '" + value + "'");
            };
        }

        int intIn(String path, String env, int min, int max) {
            return (int) longIn(path, env, min, max);
        }

        long longIn(String path, String env, long min, long max) {
            String text = nonBlank(path, env);
            long value;
            try {
                value = Long.parseLong(text);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(env + " must be a whole number, got '" + text + "'");
            }
            if (value < min || value > max) {
                throw new IllegalArgumentException(env + " must be between " + min + " and " + max + ", got " + value);
            }
            return value;
        }

        private String string(String path, String env) {
            try {
                return Objects.requireNonNull(config.getString(path));
            } catch (ConfigException e) {
                throw new IllegalArgumentException(env + ": " + e.getMessage(), e);
            }
        }
    }
}
