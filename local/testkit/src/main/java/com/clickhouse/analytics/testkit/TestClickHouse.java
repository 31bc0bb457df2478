package com.clickhouse.analytics.testkit;

import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.clickhouse.analytics.local.clickhouse.ClickHouseEndpoint;
import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.command.CommandResponse;
import com.clickhouse.client.api.query.GenericRecord;

/**
 * A client of a test ClickHouse and a database no other test uses. {@link #close()} drops the
 * database and closes the client, so nothing outlives the test: use it in try-with-resources or
 * close it in {@code @AfterEach}.
 *
 * <p>The kit knows no schema (it must not depend on the module that owns it): a test that needs
 * the tables passes the migrations in, {@code TestClickHouse.create("x").migrate(SchemaMigrator::migrate)}.
 * In SQL given to {@link #query}, {@link #longValue} and {@link #execute}, {@code {db}} stands for
 * the database.
 */
public final class TestClickHouse implements AutoCloseable {

    /** What makes the tables of a fresh database: usually the project's migrations. */
    @FunctionalInterface
    public interface Schema {
        void apply(Client client, String database) throws Exception;
    }

    public final ClickHouseEndpoint endpoint;
    public final Client client;
    /** A plain identifier, {@code t_<prefix>_<random>} in lower case; created by {@link #migrate} or by the code under test. */
    public final String database;

    private TestClickHouse(ClickHouseEndpoint endpoint, String prefix) {
        this.endpoint = endpoint;
        this.database = uniqueName("t_" + (prefix.length() <= 40 ? prefix : prefix.substring(0, 40)))
                .replaceAll("[^A-Za-z0-9_]", "_").toLowerCase(Locale.ROOT);
        this.client = newClient();
    }

    /** A fresh database name on the tests' shared ClickHouse ({@link Infrastructure#shared()}). */
    public static TestClickHouse create(String prefix) {
        return create(Infrastructure.shared().clickHouse(), prefix);
    }

    /** A fresh database name on {@code endpoint} (a test's own ClickHouse, e.g. one it stops). */
    public static TestClickHouse create(ClickHouseEndpoint endpoint, String prefix) {
        return new TestClickHouse(endpoint, prefix);
    }

    /** {@code prefix_<8 random hex digits>}: names of topics, groups and databases no other test uses. */
    public static String uniqueName(String prefix) {
        return prefix + "_" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Applies {@code schema} to the database (which it creates); returns this. */
    public TestClickHouse migrate(Schema schema) throws Exception {
        schema.apply(client, database);
        return this;
    }

    /** Another client of the same server, for tests that need concurrent sessions; the caller closes it. */
    public Client newClient() {
        return new Client.Builder()
                .addEndpoint(endpoint.url())
                .setUsername(endpoint.user())
                .setPassword(endpoint.password())
                .setConnectTimeout(10, ChronoUnit.SECONDS)
                .setSocketTimeout(60, ChronoUnit.SECONDS)
                .build();
    }

    public List<GenericRecord> query(String sql) {
        return client.queryAll(sql.replace("{db}", database));
    }

    /** The first column of the first row, e.g. of a {@code SELECT count() …}. */
    public long longValue(String sql) {
        return query(sql).getFirst().getLong(1);
    }

    /** Rows in {@code events} under FINAL: what a reader sees after replays collapse. */
    public long eventsFinal() {
        return longValue("SELECT count() FROM {db}.events FINAL");
    }

    public void execute(String sql) throws Exception {
        try (CommandResponse ignored = client.execute(sql.replace("{db}", database)).get(60, TimeUnit.SECONDS)) {
            // done
        }
    }

    /** Drops the database, then closes the client (also when the drop fails, which then fails the test). */
    @Override
    public void close() {
        try {
            execute("DROP DATABASE IF EXISTS {db}");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while dropping test database " + database, e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot drop test database " + database + ": " + e.getMessage(), e);
        } finally {
            client.close();
        }
    }
}
