package com.clickhouse.analytics.schema.migration;

import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.clickhouse.analytics.local.clickhouse.ClickHouseEndpoint;
import com.clickhouse.analytics.testkit.Infrastructure;
import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.command.CommandResponse;
import com.clickhouse.client.api.query.GenericRecord;

/**
 * A client of the tests' real ClickHouse and a database name no other test uses; closing drops
 * the database and closes the client, so nothing outlives the test.
 */
public final class TestClickHouse implements AutoCloseable {

    public final ClickHouseEndpoint endpoint = Infrastructure.shared().clickHouse();
    public final DatabaseName database;
    public final Client client;

    public TestClickHouse(String testName) {
        String prefix = testName.length() <= 40 ? testName : testName.substring(0, 40);
        this.database = DatabaseName.of(("t_" + prefix + "_" + UUID.randomUUID().toString().substring(0, 8))
                .replaceAll("[^A-Za-z0-9_]", "_").toLowerCase(Locale.ROOT));
        this.client = newClient();
    }

    Client newClient() {
        return new Client.Builder()
                .addEndpoint(endpoint.url())
                .setUsername(endpoint.user())
                .setPassword(endpoint.password())
                .setConnectTimeout(10, ChronoUnit.SECONDS)
                .build();
    }

    public List<GenericRecord> query(String sql) {
        return client.queryAll(sql.replace("{db}", database.value()));
    }

    public long count(String sql) {
        return query(sql).getFirst().getLong(1);
    }

    public void execute(String sql) throws Exception {
        try (CommandResponse ignored = client.execute(sql.replace("{db}", database.value())).get(60, TimeUnit.SECONDS)) {
            // done
        }
    }

    @Override
    public void close() throws Exception {
        try {
            execute("DROP DATABASE IF EXISTS {db}");
        } finally {
            client.close();
        }
    }
}
