package com.clickhouse.analytics.schema.migration;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Objects;

/**
 * What {@link Migrate} needs, read once from the environment and validated:
 * {@code CLICKHOUSE_URL} (required, {@code http://} or {@code https://}),
 * {@code CLICKHOUSE_USER} (default {@code default}), {@code CLICKHOUSE_PASSWORD} (default empty),
 * {@code CLICKHOUSE_DATABASE} (default {@code product_analytics}), {@code EVENTS_TTL_DAYS} and
 * {@code WARNINGS_TTL_DAYS} (unset: leave the tables' TTL as it is; a number of days; {@code none}:
 * remove it), {@code CLICKHOUSE_CLUSTER} (unset: a single server; a cluster name: DDL runs
 * {@code ON CLUSTER} with Replicated engines, see {@link ClusterDdl}); and from the command line
 * {@code --migrations=DIR} to apply an adapted copy of the migrations instead of the bundled ones.
 *
 * @param migrationsDirectory {@code null} for the bundled migrations
 * @param retention           the TTLs to apply after migrating, only those that were set (empty value: no TTL)
 * @param cluster             {@code null} for a single server
 */
public record MigrateConfig(String url, String user, String password, DatabaseName database, Path migrationsDirectory,
                            Map<TableTtl.Retention, OptionalInt> retention, ClusterDdl cluster) {

    public MigrateConfig {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(database, "database");
        retention = Map.copyOf(retention);
    }

    /** @throws MigrationException with reason CONFIGURATION naming the variable or argument at fault */
    public static MigrateConfig from(Map<String, String> env, String... args) throws MigrationException {
        String url = value(env, "CLICKHOUSE_URL", null);
        if (url == null) {
            throw configuration("CLICKHOUSE_URL is not set (e.g. http://localhost:8123)");
        }
        try {
            URI uri = new URI(url);
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw configuration("CLICKHOUSE_URL must be an http:// or https:// URL with a host, got " + withoutUserInfo(url));
            }
            if (uri.getUserInfo() != null) {
                throw configuration("CLICKHOUSE_URL must not carry credentials; use CLICKHOUSE_USER and CLICKHOUSE_PASSWORD");
            }
        } catch (URISyntaxException e) {
            throw configuration("CLICKHOUSE_URL is not a URL: " + withoutUserInfo(url));
        }
        DatabaseName database;
        try {
            database = DatabaseName.of(value(env, "CLICKHOUSE_DATABASE", DatabaseName.DEFAULT.value()));
        } catch (IllegalArgumentException e) {
            throw configuration("CLICKHOUSE_DATABASE: " + e.getMessage());
        }
        Path migrations = null;
        for (String arg : args) {
            if (arg.startsWith("--migrations=") && arg.length() > "--migrations=".length()) {
                migrations = Path.of(arg.substring("--migrations=".length()));
            } else {
                throw configuration("unknown argument " + arg + " (the only one is --migrations=DIR)");
            }
        }
        Map<TableTtl.Retention, OptionalInt> retention = new EnumMap<>(TableTtl.Retention.class);
        TableTtl.parseDays("EVENTS_TTL_DAYS", env.get("EVENTS_TTL_DAYS")).ifPresent(d -> retention.put(TableTtl.Retention.EVENTS, d));
        TableTtl.parseDays("WARNINGS_TTL_DAYS", env.get("WARNINGS_TTL_DAYS")).ifPresent(d -> retention.put(TableTtl.Retention.WARNINGS, d));
        ClusterDdl cluster;
        try {
            String name = value(env, "CLICKHOUSE_CLUSTER", null);
            cluster = name == null ? null : new ClusterDdl(name);
        } catch (IllegalArgumentException e) {
            throw configuration(e.getMessage());
        }
        return new MigrateConfig(url, value(env, "CLICKHOUSE_USER", "default"), value(env, "CLICKHOUSE_PASSWORD", ""),
                database, migrations, retention, cluster);
    }

    private static String value(Map<String, String> env, String name, String fallback) {
        String v = env.get(name);
        return v == null || v.isBlank() ? fallback : v.strip();
    }

    private static MigrationException configuration(String message) {
        return new MigrationException(MigrationException.Reason.CONFIGURATION, message);
    }

    private static String withoutUserInfo(String url) {
        return url.replaceAll("//[^/@]*@", "//");
    }

    @Override
    public String toString() {
        return "MigrateConfig[" + url + ", user " + user + ", database " + database + "]"; // never the password
    }
}
