package com.clickhouse.analytics.schema.migration;

import java.io.PrintStream;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import com.clickhouse.analytics.ops.logging.Messages;
import com.clickhouse.client.api.Client;

/**
 * The {@code migrate} entry point: applies the ClickHouse migrations to
 * {@code CLICKHOUSE_DATABASE} at {@code CLICKHOUSE_URL} and exits. Prints one line per applied
 * version and a summary on standard output; on failure prints one line starting with
 * {@code migrate: error:} on standard error and exits with the reason's code (2 configuration,
 * 3 unreachable, 4 credentials, 5 invalid migration file, 6 changed applied migration, 7 SQL).
 * Used by {@code ./cpa migrate}, the image's {@code migrate} entry point (the Helm hook job and the
 * docker-compose one-off service) and developers.
 */
public final class Migrate {

    private Migrate() {
    }

    public static void main(String[] args) {
        System.exit(run(System.getenv(), System.out, System.err, args));
    }

    /** Runs a migration as the command does and returns its exit code; for launchers and tests. */
    public static int run(Map<String, String> env, PrintStream out, PrintStream err, String... args) {
        try {
            MigrateConfig config = MigrateConfig.from(env, args);
            List<Migration> migrations = config.migrationsDirectory() == null
                    ? MigrationSource.bundled()
                    : MigrationSource.fromDirectory(config.migrationsDirectory());
            try (Client client = client(config)) {
                SchemaMigrator migrator = new SchemaMigrator(client, config.database(), migrations, Duration.ofMinutes(5), config.cluster());
                List<Migration> applied = migrator.migrate(m -> out.println("migrate: applied " + m.fileName()));
                out.println("migrate: database " + config.database() + " at " + config.url() + " is at version "
                        + migrator.currentVersion() + " (" + applied.size() + " applied now)");
                applyRetention(client, config, out);
                out.flush();
                return 0;
            } catch (MigrationException e) {
                throw new MigrationException(e.reason(), withServer(config, e), e);
            }
        } catch (MigrationException e) {
            err.println("migrate: error: " + e.getMessage());
            err.flush();
            return e.reason().exitCode();
        } catch (RuntimeException e) {
            err.println("migrate: error: " + Messages.oneLine(e.getClass().getSimpleName() + ": " + e.getMessage()));
            err.flush();
            return 1;
        }
    }

    /** EVENTS_TTL_DAYS / WARNINGS_TTL_DAYS as table TTLs; a table already at the wanted TTL is left alone. */
    private static void applyRetention(Client client, MigrateConfig config, PrintStream out) throws MigrationException {
        TableTtl ttl = new TableTtl(client, config.database());
        for (var setting : config.retention().entrySet()) {
            for (String planned : ttl.plan(setting.getKey(), setting.getValue())) {
                String sql = config.cluster() == null ? planned : config.cluster().rewrite(planned);
                try {
                    client.execute(sql).get(5, java.util.concurrent.TimeUnit.MINUTES).close();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new MigrationException(MigrationException.Reason.SQL, "interrupted: " + sql, e);
                } catch (Exception e) {
                    throw MigrationException.of(e, "`" + sql + "`");
                }
                out.println("migrate: " + sql);
            }
        }
    }

    /** The client {@code Migrate} uses: short connect timeout, so an unreachable server fails fast. */
    public static Client client(MigrateConfig config) {
        return new Client.Builder()
                .addEndpoint(config.url())
                .setUsername(config.user())
                .setPassword(config.password())
                .setConnectTimeout(10, ChronoUnit.SECONDS)
                .setSocketTimeout(5, ChronoUnit.MINUTES)
                .setClientName("cpa-migrate")
                .build();
    }

    /** The message with the server (and user) named where they help the reader. */
    private static String withServer(MigrateConfig config, MigrationException e) {
        return switch (e.reason()) {
            case UNREACHABLE -> e.getMessage().replaceFirst("^cannot reach ClickHouse", java.util.regex.Matcher.quoteReplacement("cannot reach ClickHouse at " + config.url()));
            case AUTHENTICATION -> e.getMessage().replaceFirst("^ClickHouse refused the user or password",
                    java.util.regex.Matcher.quoteReplacement(
                            "ClickHouse at " + config.url() + " refused user " + config.user() + " or its password"));
            default -> e.getMessage();
        };
    }
}
