package com.clickhouse.analytics.schema.admin;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.clickhouse.analytics.ops.logging.Messages;
import com.clickhouse.analytics.schema.migration.ClusterDdl;
import com.clickhouse.analytics.ops.config.DatabaseName;
import com.clickhouse.analytics.schema.migration.Migrate;
import com.clickhouse.analytics.schema.migration.MigrateConfig;
import com.clickhouse.analytics.schema.migration.MigrationException;
import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;

/**
 * What every admin command shares: the connection {@code migrate} uses (the same {@code CLICKHOUSE_*}
 * variables), the database, and one rule for changes — in a dry run a change is printed, not run;
 * otherwise it is printed and run. Reads always run.
 */
final class AdminSession implements AutoCloseable {

    final DatabaseName database;
    private final Client client;
    private final boolean dryRun;
    private final PrintStream out;
    private final String command;
    private final ClusterDdl cluster;

    private AdminSession(String command, Client client, DatabaseName database, boolean dryRun, PrintStream out, ClusterDdl cluster) {
        this.command = command;
        this.cluster = cluster;
        this.client = client;
        this.database = database;
        this.dryRun = dryRun;
        this.out = out;
    }

    static AdminSession open(String command, Map<String, String> env, boolean dryRun, PrintStream out) throws MigrationException {
        MigrateConfig config = MigrateConfig.from(env);
        return new AdminSession(command, Migrate.client(config), config.database(), dryRun, out, config.cluster());
    }

    boolean dryRun() {
        return dryRun;
    }

    Client client() {
        return client;
    }

    /** A change: printed; run unless this is a dry run. With CLICKHOUSE_CLUSTER, ALTER and DELETE run ON CLUSTER. */
    void change(String statement) {
        String sql;
        try {
            sql = cluster == null || statement.startsWith("INSERT") ? statement : cluster.rewrite(statement);
        } catch (MigrationException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        out.println((dryRun ? "" : command + ": ") + sql + (dryRun ? ";" : ""));
        if (!dryRun) {
            try {
                client.execute(sql).get(10, TimeUnit.MINUTES).close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted: " + sql, e);
            } catch (Exception e) {
                throw new IllegalStateException(Messages.oneLine(String.valueOf(e.getMessage()), 400) + " — in `" + sql + "`", e);
            }
        }
    }

    List<GenericRecord> query(String sql) {
        return client.queryAll(sql);
    }

    long count(String sql) {
        return client.queryAll(sql).getFirst().getLong(1);
    }

    void say(String line) {
        out.println(command + ": " + line);
    }

    /** A string literal for ClickHouse SQL. */
    static String quote(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    /** Runs a command body with the house exit codes: 0 done, 2 usage or configuration, 1 anything else. */
    static int run(String command, PrintStream err, Body body) {
        try {
            return body.run();
        } catch (IllegalArgumentException e) {
            err.println(command + ": error: " + e.getMessage());
            return 2;
        } catch (MigrationException e) {
            err.println(command + ": error: " + e.getMessage());
            return e.reason().exitCode();
        } catch (RuntimeException e) {
            err.println(command + ": error: " + Messages.oneLine(e.getClass().getSimpleName() + ": " + e.getMessage(), 400));
            return 1;
        } finally {
            err.flush();
        }
    }

    interface Body {
        int run() throws MigrationException;
    }

    @Override
    public void close() {
        out.flush();
        client.close();
    }
}
