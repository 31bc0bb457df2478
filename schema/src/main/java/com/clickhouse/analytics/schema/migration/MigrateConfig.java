package com.clickhouse.analytics.schema.migration;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;

import com.clickhouse.analytics.ops.config.CommandLine;
import com.clickhouse.analytics.ops.config.DatabaseName;
import com.clickhouse.analytics.ops.config.Settings;

/**
 * What {@link Migrate} needs, read once with the shared {@link Settings} rules from
 * {@code migrate.conf} and the environment: {@code CLICKHOUSE_URL} (required, {@code http://} or
 * {@code https://}), {@code CLICKHOUSE_USER} (default {@code default}), {@code CLICKHOUSE_PASSWORD}
 * (default empty), {@code CLICKHOUSE_DATABASE} (default {@code product_analytics}),
 * {@code EVENTS_TTL_DAYS} and {@code WARNINGS_TTL_DAYS} (unset: leave the tables' TTL as it is; a
 * number of days; {@code none}: remove it), {@code CLICKHOUSE_CLUSTER} (unset: a single server; a
 * cluster name: DDL runs {@code ON CLUSTER} with Replicated engines, see {@link ClusterDdl}); and
 * from the command line {@code --migrations=DIR} to apply an adapted copy of the migrations instead
 * of the bundled ones.
 *
 * @param migrationsDirectory {@code null} for the bundled migrations
 * @param retention           the TTLs to apply after migrating, only those that were set (empty value: no TTL)
 * @param cluster             {@code null} for a single server
 */
public record MigrateConfig(String url, String user, String password, DatabaseName database, Path migrationsDirectory,
                            Map<TableTtl.Retention, OptionalInt> retention, ClusterDdl cluster) {

    /** Environment variable → config path (docs/conventions.md). */
    static final Map<String, String> ENVIRONMENT = Map.of(
            "CLICKHOUSE_URL", "migrate.clickhouse.url",
            "CLICKHOUSE_USER", "migrate.clickhouse.user",
            "CLICKHOUSE_PASSWORD", "migrate.clickhouse.password",
            "CLICKHOUSE_DATABASE", "migrate.clickhouse.database",
            "CLICKHOUSE_CLUSTER", "migrate.clickhouse.cluster",
            "EVENTS_TTL_DAYS", "migrate.retention.events-ttl-days",
            "WARNINGS_TTL_DAYS", "migrate.retention.warnings-ttl-days");

    private static final String USAGE = "usage: migrate [--migrations=DIR]";

    public MigrateConfig {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(database, "database");
        retention = Map.copyOf(retention);
    }

    /** @throws MigrationException with reason CONFIGURATION naming the variable or argument at fault */
    public static MigrateConfig from(Map<String, String> env, String... args) throws MigrationException {
        Settings s;
        MigrateConfig config;
        try {
            s = Settings.load(MigrateConfig.class, "migrate.conf", ENVIRONMENT, env, Map.of());
            config = new MigrateConfig(s.clickHouseUrl("migrate.clickhouse.url"), s.required("migrate.clickhouse.user"),
                    s.string("migrate.clickhouse.password"), s.databaseName("migrate.clickhouse.database"), null, Map.of(), null);
        } catch (IllegalArgumentException e) {
            throw new MigrationException(MigrationException.Reason.CONFIGURATION, e.getMessage(), e);
        }
        String directory;
        try {
            directory = CommandLine.parse(USAGE, List.of(args), 0, 0, Set.of(), Set.of("migrations")).option("migrations").orElse(null);
        } catch (IllegalArgumentException e) {
            throw new MigrationException(MigrationException.Reason.CONFIGURATION, e.getMessage(), e);
        }
        if (directory != null && directory.isBlank()) {
            throw new MigrationException(MigrationException.Reason.CONFIGURATION, "--migrations needs a directory; " + USAGE);
        }
        Path migrations = directory == null ? null : Path.of(directory);
        Map<TableTtl.Retention, OptionalInt> retention = new EnumMap<>(TableTtl.Retention.class);
        TableTtl.parseDays("EVENTS_TTL_DAYS", s.string("migrate.retention.events-ttl-days"))
                .ifPresent(d -> retention.put(TableTtl.Retention.EVENTS, d));
        TableTtl.parseDays("WARNINGS_TTL_DAYS", s.string("migrate.retention.warnings-ttl-days"))
                .ifPresent(d -> retention.put(TableTtl.Retention.WARNINGS, d));
        ClusterDdl cluster;
        try {
            String name = s.string("migrate.clickhouse.cluster").strip();
            cluster = name.isEmpty() ? null : new ClusterDdl(name);
        } catch (IllegalArgumentException e) {
            throw new MigrationException(MigrationException.Reason.CONFIGURATION, "CLICKHOUSE_CLUSTER: " + e.getMessage(), e);
        }
        return new MigrateConfig(config.url, config.user, config.password, config.database, migrations, retention, cluster);
    }

    @Override
    public String toString() {
        return "MigrateConfig[" + url + ", user " + user + ", database " + database + "]"; // never the password
    }
}
