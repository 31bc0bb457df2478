package com.clickhouse.analytics.schema.migration;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

import com.clickhouse.analytics.ops.config.DatabaseName;
import com.clickhouse.analytics.ops.config.Settings;

/**
 * What {@link Migrate} needs, read once with the shared {@link Settings} rules from
 * {@code migrate.conf} and the environment: {@code CLICKHOUSE_URL} (required, {@code http://} or
 * {@code https://}), {@code CLICKHOUSE_USER} (default {@code default}), {@code CLICKHOUSE_PASSWORD}
 * (default empty), {@code CLICKHOUSE_DATABASE} (default {@code product_analytics}); and from the
 * command line {@code --migrations=DIR} to apply an adapted copy of the migrations instead of the
 * bundled ones.
 *
 * @param migrationsDirectory {@code null} for the bundled migrations
 */
public record MigrateConfig(String url, String user, String password, DatabaseName database, Path migrationsDirectory) {

    /** Environment variable → config path (docs/conventions.md). */
    static final Map<String, String> ENVIRONMENT = Map.of(
            "CLICKHOUSE_URL", "migrate.clickhouse.url",
            "CLICKHOUSE_USER", "migrate.clickhouse.user",
            "CLICKHOUSE_PASSWORD", "migrate.clickhouse.password",
            "CLICKHOUSE_DATABASE", "migrate.clickhouse.database");

    public MigrateConfig {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(database, "database");
    }

    /** @throws MigrationException with reason CONFIGURATION naming the variable or argument at fault */
    public static MigrateConfig from(Map<String, String> env, String... args) throws MigrationException {
        MigrateConfig config;
        try {
            Settings s = Settings.load(MigrateConfig.class, "migrate.conf", ENVIRONMENT, env, Map.of());
            config = new MigrateConfig(s.clickHouseUrl("migrate.clickhouse.url"), s.required("migrate.clickhouse.user"),
                    s.string("migrate.clickhouse.password"), s.databaseName("migrate.clickhouse.database"), null);
        } catch (IllegalArgumentException e) {
            throw new MigrationException(MigrationException.Reason.CONFIGURATION, e.getMessage(), e);
        }
        Path migrations = null;
        for (String arg : args) {
            if (arg.startsWith("--migrations=") && arg.length() > "--migrations=".length()) {
                migrations = Path.of(arg.substring("--migrations=".length()));
            } else {
                throw new MigrationException(MigrationException.Reason.CONFIGURATION,
                        "unknown argument " + arg + " (the only one is --migrations=DIR)");
            }
        }
        return new MigrateConfig(config.url, config.user, config.password, config.database, migrations);
    }

    @Override
    public String toString() {
        return "MigrateConfig[" + url + ", user " + user + ", database " + database + "]"; // never the password
    }
}
