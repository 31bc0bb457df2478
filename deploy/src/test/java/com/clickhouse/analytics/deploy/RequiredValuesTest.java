package com.clickhouse.analytics.deploy;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Nothing renders without ClickHouse and Kafka, and the message says what to set. */
class RequiredValuesTest {

    @Test
    void missingClickHouseUrlFailsWithAClearMessage() {
        String message = Chart.failure("ingest.publicApiKeys=local_dev_key", Chart.KAFKA_BOOTSTRAP);
        assertTrue(message.contains("clickhouse.url is required"), message);
        assertTrue(message.contains("--set clickhouse.url="), message);
    }

    @Test
    void emptyClickHouseUrlFailsLikeAMissingOne() {
        String message = Chart.failure("clickhouse.url=", Chart.KAFKA_BOOTSTRAP);
        assertTrue(message.contains("clickhouse.url is required"), message);
    }

    @Test
    void missingKafkaBootstrapServersFailsWithAClearMessage() {
        String message = Chart.failure("ingest.publicApiKeys=local_dev_key", Chart.CLICKHOUSE_URL);
        assertTrue(message.contains("kafka.bootstrapServers is required"), message);
        assertTrue(message.contains("--set kafka.bootstrapServers="), message);
    }

    @Test
    void theTwoRequiredValuesAreEnough() {
        Chart.render(Chart.CLICKHOUSE_URL, Chart.KAFKA_BOOTSTRAP);
    }
}
