package com.clickhouse.analytics.local.chdb;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

import com.clickhouse.analytics.local.LocalInfrastructure;
import com.clickhouse.analytics.local.clickhouse.ClickHouseEndpoint;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** clickhouse-jdbc against the local ClickHouse: what the migration tool and notebooks use. */
class JdbcAgainstLocalClickHouseTest {

    private final ClickHouseEndpoint endpoint = LocalInfrastructure.clickHouse();

    @Test
    void createsInsertsAndQueriesWithBoundParameters() throws SQLException {
        String database = "jdbc_" + System.nanoTime();
        try (Connection connection = connect(endpoint.user(), endpoint.password());
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + database);
            statement.execute("CREATE TABLE " + database + ".events (uuid UUID, ts DateTime64(3, 'UTC'), "
                    + "event LowCardinality(String), props Map(String, String)) ENGINE = ReplacingMergeTree ORDER BY uuid");
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + database
                    + ".events (uuid, ts, event, props) VALUES (generateUUIDv4(), now64(3), ?, map('k', ?))")) {
                for (int i = 0; i < 50; i++) {
                    insert.setString(1, i % 2 == 0 ? "pageview" : "click");
                    insert.setString(2, "v" + i);
                    insert.addBatch();
                }
                insert.executeBatch();
            }
            try (PreparedStatement query = connection.prepareStatement("SELECT count(), max(props['k']) FROM " + database
                    + ".events WHERE event = ?")) {
                query.setString(1, "click");
                try (ResultSet rows = query.executeQuery()) {
                    assertTrue(rows.next());
                    assertEquals(25, rows.getLong(1));
                    assertEquals("v9", rows.getString(2));
                }
            }
            statement.execute("DROP DATABASE " + database);
        }
    }

    @Test
    void errorsCarryTheServerCode() throws SQLException {
        try (Connection connection = connect(endpoint.user(), endpoint.password());
             Statement statement = connection.createStatement()) {
            SQLException unknownTable = assertThrows(SQLException.class, () -> statement.executeQuery("SELECT * FROM no_such_table"));
            assertEquals(60, unknownTable.getErrorCode(), unknownTable.getMessage());
            SQLException syntax = assertThrows(SQLException.class, () -> statement.executeQuery("SELEC 1"));
            assertEquals(62, syntax.getErrorCode(), syntax.getMessage());
        }
    }

    @Test
    void wrongCredentialsAreRefusedWithAuthenticationFailed() {
        SQLException e = assertThrows(SQLException.class, () -> {
            try (Connection connection = connect(endpoint.user(), "wrong-" + endpoint.password());
                 Statement statement = connection.createStatement()) {
                statement.executeQuery("SELECT 1").close();
            }
        });
        assertEquals(516, codeOf(e), e.getMessage());
    }

    private static int codeOf(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getErrorCode() != 0) {
                return sql.getErrorCode();
            }
            if (t instanceof com.clickhouse.client.api.ServerException server) {
                return server.getCode();
            }
        }
        return 0;
    }

    private Connection connect(String user, String password) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        properties.setProperty("password", password);
        return DriverManager.getConnection("jdbc:clickhouse:" + endpoint.url(), properties);
    }
}
