package com.clickhouse.analytics.writer;

import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.clickhouse.analytics.local.clickhouse.ClickHouseEndpoint;
import com.clickhouse.analytics.schema.migration.SchemaMigrator;
import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;

/** A client on a test ClickHouse, a migrated database per test (dropped on close), and the queries tests check with. */
public final class TestClickHouse implements AutoCloseable {

    public final Client client;
    public final String database;

    public TestClickHouse(ClickHouseEndpoint endpoint, String database) {
        this.client = new Client.Builder().addEndpoint(endpoint.url()).setUsername(endpoint.user()).setPassword(endpoint.password())
                .setSocketTimeout(60, ChronoUnit.SECONDS).build();
        this.database = database;
    }

    public static String uniqueName(String prefix) {
        return prefix + "_" + Long.toString(System.nanoTime(), 36);
    }

    public TestClickHouse migrate() throws Exception {
        SchemaMigrator.migrate(client, database);
        return this;
    }

    public List<GenericRecord> query(String sql) {
        return client.queryAll(sql.replace("{db}", database));
    }

    public long longValue(String sql) {
        return query(sql).getFirst().getLong(1);
    }

    /** Rows in events under FINAL: what a reader sees after replays collapse. */
    public long eventsFinal() {
        return longValue("SELECT count() FROM {db}.events FINAL");
    }

    /** Drops the test's database (LeakCheck fails a class that leaves one behind), then closes the client. */
    @Override
    public void close() {
        try {
            client.execute("DROP DATABASE IF EXISTS `" + database + "`").get(60, TimeUnit.SECONDS).close();
        } catch (Exception e) {
            throw new IllegalStateException("cannot drop the test database " + database + ": " + e, e);
        } finally {
            client.close();
        }
    }
}
