package com.clickhouse.analytics.deploy;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** {@code clickhouse.shards}: the writers' CLICKHOUSE_SHARDS on a sharded cluster, absent by default. */
class ClickHouseShardsTest {

    @Test
    void unsetByDefaultSoTheWriterInsertsIntoTheUrl() {
        Rendered chart = Chart.renderWithRequired();
        assertFalse(chart.config("writer").containsKey("CLICKHOUSE_SHARDS"));
    }

    /** The forms the values comment shows, through the real helm CLI (its --set parser makes the list). */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', textBlock = """
            --set      | clickhouse.shards={http://ch-s1:8123,http://ch-s2:8123*2}
            --set      | clickhouse.shards=http://ch-s1:8123\\,http://ch-s2:8123*2
            --set-json | clickhouse.shards=["http://ch-s1:8123","http://ch-s2:8123*2"]
            """)
    void aListOrAStringBecomesTheCommaSeparatedVariableOfBothWriters(String flag, String setting) {
        String output = Tools.helm("template", Chart.RELEASE, Chart.DIR.toString(), "--set", Chart.CLICKHOUSE_URL,
                "--set", Chart.KAFKA_BOOTSTRAP, "--set", Chart.API_KEYS, "--set", "historicalWriter.enabled=true", flag, setting)
                .requireSuccess().output();
        Rendered chart = new Rendered(Chart.documents(output), List.of());
        assertEquals("http://ch-s1:8123,http://ch-s2:8123*2", chart.config("writer").get("CLICKHOUSE_SHARDS"));
        // The historical writer loads the writer's ConfigMap too (its own keys after): both groups route alike.
        assertFalse(chart.config("historical").containsKey("CLICKHOUSE_SHARDS"));
    }
}
