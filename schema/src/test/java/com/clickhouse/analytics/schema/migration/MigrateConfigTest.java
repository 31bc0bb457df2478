package com.clickhouse.analytics.schema.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import com.clickhouse.analytics.ops.config.DatabaseName;
import org.junit.jupiter.api.Test;

class MigrateConfigTest {

    @Test
    void defaultsUserPasswordAndDatabase() throws Exception {
        MigrateConfig config = MigrateConfig.from(Map.of("CLICKHOUSE_URL", "http://clickhouse:8123"));
        assertEquals("default", config.user());
        assertEquals("", config.password());
        assertEquals(DatabaseName.DEFAULT, config.database());
        assertNull(config.migrationsDirectory());
    }

    @Test
    void readsEverySetting() throws Exception {
        MigrateConfig config = MigrateConfig.from(Map.of("CLICKHOUSE_URL", "https://ch.example.com:8443", "CLICKHOUSE_USER", "writer",
                "CLICKHOUSE_PASSWORD", "s3cret", "CLICKHOUSE_DATABASE", "analytics"), "--migrations=/tmp/m");
        assertEquals("writer", config.user());
        assertEquals("s3cret", config.password());
        assertEquals("analytics", config.database().value());
        assertEquals(Path.of("/tmp/m"), config.migrationsDirectory());
        assertFalse(config.toString().contains("s3cret"));
    }

    @Test
    void namesTheSettingAtFault() {
        assertConfigurationError(Map.of(), "Invalid configuration: CLICKHOUSE_URL (migrate.clickhouse.url) is required");
        assertConfigurationError(Map.of("CLICKHOUSE_URL", "clickhouse:8123"),
                "Invalid configuration: CLICKHOUSE_URL (migrate.clickhouse.url) must be an http:// or https:// URL");
        assertConfigurationError(Map.of("CLICKHOUSE_URL", "http://u:pw@clickhouse:8123"),
                "Invalid configuration: CLICKHOUSE_URL (migrate.clickhouse.url) must not carry credentials");
        assertConfigurationError(Map.of("CLICKHOUSE_URL", "http://clickhouse:8123", "CLICKHOUSE_DATABASE", "x;DROP"),
                "Invalid configuration: CLICKHOUSE_DATABASE (migrate.clickhouse.database) must be a plain name: invalid");
        assertConfigurationError(Map.of("CLICKHOUSE_URL", "http://clickhouse:8123", "CLICKHOUSE_USER", ""),
                "Invalid configuration: CLICKHOUSE_USER (migrate.clickhouse.user) is required");
    }

    @Test
    void migrateExitsWithTheConfigurationCodeAndOneLine() {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int code = Migrate.run(Map.of("CLICKHOUSE_DATABASE", "bad-name"), new PrintStream(out), new PrintStream(err));
        assertEquals(2, code);
        String message = err.toString(StandardCharsets.UTF_8);
        assertTrue(message.startsWith("migrate: error: Invalid configuration: CLICKHOUSE_URL (migrate.clickhouse.url) is required"), message);
        assertEquals(1, message.lines().count());
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }

    private static void assertConfigurationError(Map<String, String> env, String expected) {
        var error = assertThrows(MigrationException.class, () -> MigrateConfig.from(env));
        assertEquals(MigrationException.Reason.CONFIGURATION, error.reason());
        assertTrue(error.getMessage().startsWith(expected), error.getMessage());
        assertFalse(error.getMessage().contains("pw"), "never echoes a password");
    }
}
