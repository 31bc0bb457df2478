package com.clickhouse.analytics.ops.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.clickhouse.analytics.ops.logging.LogLevel;
import com.clickhouse.analytics.ops.logging.Messages;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;

/**
 * The one configuration reader of every tier (the rules are in {@code docs/conventions.md}).
 * Values come from, first match wins: the environment variables of the tier's table
 * (variable → config path), then explicit overrides (tests), then system properties
 * ({@code -Dgateway.port=…}), then the tier's HOCON defaults resource. A tier reads each value once
 * with a typed method and builds its own immutable record; every failure is an
 * {@link IllegalArgumentException} whose message names the environment variable (and the path):
 * {@code Invalid configuration: PORT (gateway.port) must be between 0 and 65535, got 70000}.
 *
 * <p>An environment variable set to the empty string is a value, not an absence: settings that
 * cannot be empty fail rather than fall back to their default. Messages never contain the value of
 * a password or of a {@code KAFKA_*} variable.
 */
public final class Settings {

    private final Config config;
    private final Map<String, String> variables;
    private final Map<String, String> environment;

    private Settings(Config config, Map<String, String> variables, Map<String, String> environment) {
        this.config = config;
        this.variables = variables;
        this.environment = environment;
    }

    /**
     * @param defaults    the tier's HOCON resource, e.g. {@code "gateway.conf"}, read with {@code owner}'s class loader
     * @param variables   environment variable → config path, the variables the tier reads
     * @param environment normally {@link System#getenv()}
     * @param overrides   config path → value, between the environment and the system properties
     */
    public static Settings load(Class<?> owner, String defaults, Map<String, String> variables, Map<String, String> environment,
                                Map<String, String> overrides) {
        Map<String, Object> fromEnvironment = new LinkedHashMap<>();
        variables.forEach((variable, path) -> { // only these: parseMap reads keys as paths, and secrets stay out of messages
            String value = environment.get(variable);
            if (value != null) {
                fromEnvironment.put(path, value);
            }
        });
        Config config;
        try {
            config = ConfigFactory.parseMap(fromEnvironment, "environment")
                    .withFallback(ConfigFactory.parseMap(overrides, "overrides"))
                    .withFallback(ConfigFactory.parseProperties(System.getProperties()))
                    .withFallback(ConfigFactory.parseResources(owner.getClassLoader(), defaults,
                            ConfigParseOptions.defaults().setAllowMissing(false)))
                    .resolve();
        } catch (ConfigException e) {
            throw new IllegalArgumentException("Invalid configuration: " + Messages.oneLine(e.getMessage(), 400), e);
        }
        return new Settings(config, Map.copyOf(variables), Map.copyOf(environment));
    }

    /** The value at {@code path} as text, possibly empty. */
    public String string(String path) {
        try {
            return config.getString(path);
        } catch (ConfigException.Missing e) {
            throw invalid(path, "is required");
        } catch (ConfigException e) {
            throw invalid(path, "must be a string");
        }
    }

    /** The stripped value at {@code path}; missing or blank fails with "is required". */
    public String required(String path) {
        String value = config.hasPath(path) ? string(path).strip() : "";
        if (value.isEmpty()) {
            throw invalid(path, "is required");
        }
        return value;
    }

    /** The comma-separated values at {@code path}, stripped, empty ones dropped. */
    public List<String> csv(String path) {
        return commaSeparated(string(path));
    }

    public int intIn(String path, int min, int max) {
        return (int) longIn(path, min, max);
    }

    public long longIn(String path, long min, long max) {
        String text = string(path).strip();
        long value;
        try {
            value = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw invalid(path, "must be an integer, got '" + Messages.oneLine(text, 40) + "'");
        }
        if (value < min || value > max) {
            throw invalid(path, (max == Long.MAX_VALUE ? "must be at least " + min : "must be between " + min + " and " + max)
                    + ", got " + value);
        }
        return value;
    }

    /** A HOCON duration ({@code 5s}, {@code 500ms}) of at least {@code min}. */
    public Duration duration(String path, Duration min) {
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

    /** {@code true}/{@code false} (also {@code 1}/{@code 0}, {@code yes}/{@code no}), any case. */
    public boolean bool(String path) {
        String value = string(path).strip().toLowerCase(Locale.ROOT);
        return switch (value) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw invalid(path, "must be true or false, got '" + Messages.oneLine(value, 40) + "'");
        };
    }

    public LogLevel logLevel(String path) {
        try {
            return LogLevel.parse(string(path));
        } catch (IllegalArgumentException e) {
            throw invalid(path, e.getMessage());
        }
    }

    public DatabaseName databaseName(String path) {
        try {
            return DatabaseName.of(string(path).strip());
        } catch (IllegalArgumentException e) {
            throw invalid(path, "must be a plain name: " + e.getMessage());
        }
    }

    /**
     * A ClickHouse HTTP(S) endpoint: {@code http://} or {@code https://} with a host and without
     * credentials (those have settings of their own, and would otherwise end up in logs).
     */
    public String clickHouseUrl(String path) {
        String url = required(path);
        try {
            URI uri = new URI(url);
            if (uri.getUserInfo() != null) {
                throw invalid(path, "must not carry credentials; use CLICKHOUSE_USER and CLICKHOUSE_PASSWORD");
            }
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw invalid(path, "must be an http:// or https:// URL with a host, like http://clickhouse:8123, got '"
                        + withoutUserInfo(url) + "'");
            }
        } catch (URISyntaxException e) {
            throw invalid(path, "is not a URL: '" + withoutUserInfo(url) + "'");
        }
        return url;
    }

    /** The HOCON object at {@code path}, for blocks such as Kafka client properties. */
    public Config block(String path) {
        try {
            return config.getConfig(path);
        } catch (ConfigException e) {
            throw invalid(path, "must be an object");
        }
    }

    /** The {@code KAFKA_*} client settings of the environment ({@link KafkaPassThrough}). */
    public Map<String, String> kafkaPassThrough() {
        return KafkaPassThrough.from(environment);
    }

    /** A failure naming {@code path} by its environment variable where it has one. */
    public IllegalArgumentException invalid(String path, String problem) {
        String name = variables.entrySet().stream().filter(e -> e.getValue().equals(path)).map(Map.Entry::getKey)
                .sorted().findFirst().map(v -> v + " (" + path + ")").orElse(path);
        return new IllegalArgumentException("Invalid configuration: " + name + " " + problem);
    }

    /** {@code value} split at commas, stripped, empty entries dropped. */
    public static List<String> commaSeparated(String value) {
        List<String> out = new ArrayList<>();
        for (String part : value.split(",")) {
            String s = part.strip();
            if (!s.isEmpty()) {
                out.add(s);
            }
        }
        return out;
    }

    private static String withoutUserInfo(String url) {
        return Messages.oneLine(url.replaceAll("//[^/@]*@", "//"), 200);
    }
}
