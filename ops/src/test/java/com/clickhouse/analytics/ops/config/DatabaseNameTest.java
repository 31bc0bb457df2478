package com.clickhouse.analytics.ops.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DatabaseNameTest {

    @ParameterizedTest
    @ValueSource(strings = {"product_analytics", "_x", "A1", "db_2026"})
    void acceptsPlainIdentifiers(String name) {
        assertEquals(name, DatabaseName.of(name).value());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "1db", "my-db", "db.events", "x; DROP DATABASE y", "a`b", "a'b", "a\"b", "dé", "db\n",
            "a b", "{{DATABASE}}"})
    void refusesAnythingThatIsNotAPlainIdentifier(String name) {
        var error = assertThrows(IllegalArgumentException.class, () -> DatabaseName.of(name));
        assertTrue(error.getMessage().startsWith("invalid ClickHouse database name"), error.getMessage());
        assertTrue(!error.getMessage().contains("\n"), "one line");
    }

    @Test
    void limitsTheLength() {
        DatabaseName.of("d".repeat(64));
        assertThrows(IllegalArgumentException.class, () -> DatabaseName.of("d".repeat(65)));
        assertThrows(IllegalArgumentException.class, () -> DatabaseName.of(null));
    }
}
