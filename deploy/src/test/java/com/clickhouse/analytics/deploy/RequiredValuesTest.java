package com.clickhouse.analytics.deploy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Nothing renders without ClickHouse, Kafka and a way to authenticate, and the message says what to set. */
class RequiredValuesTest {

    @Test
    void missingClickHouseUrlFailsWithAClearMessage() {
        String message = Chart.failure("ingest.publicApiKeys=local_dev_key", Chart.KAFKA_BOOTSTRAP);
        assertTrue(message.contains("clickhouse.url is required"), message);
        assertTrue(message.contains("--set clickhouse.url="), message);
    }

    @Test
    void emptyClickHouseUrlFailsLikeAMissingOne() {
        String message = Chart.failure("clickhouse.url=", Chart.KAFKA_BOOTSTRAP, Chart.API_KEYS);
        assertTrue(message.contains("clickhouse.url is required"), message);
    }

    @Test
    void missingKafkaBootstrapServersFailsWithAClearMessage() {
        String message = Chart.failure("ingest.publicApiKeys=local_dev_key", Chart.CLICKHOUSE_URL);
        assertTrue(message.contains("kafka.bootstrapServers is required"), message);
        assertTrue(message.contains("--set kafka.bootstrapServers="), message);
    }

    /** With neither keys nor origins the gateway could accept nothing: an error, not a silent install. */
    @Test
    void noKeysAndNoOriginsFailsWithAClearMessage() {
        String message = Chart.failure(Chart.CLICKHOUSE_URL, Chart.KAFKA_BOOTSTRAP);
        assertTrue(message.contains("set ingest.publicApiKeys (or ingest.existingSecret) or ingest.allowedOrigins"), message);
        assertTrue(message.contains("--set ingest.publicApiKeys=old\\,new"), message);
        String blank = Chart.failure(Chart.CLICKHOUSE_URL, Chart.KAFKA_BOOTSTRAP, "ingest.publicApiKeys=", "ingest.allowedOrigins=");
        assertTrue(blank.contains("set ingest.publicApiKeys"), blank);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ingest.publicApiKeys=pk_live", "ingest.existingSecret=api-keys", "ingest.allowedOrigins=https://app.example.com"})
    void anyOneWayToAuthenticateIsEnough(String authentication) {
        Chart.render(Chart.CLICKHOUSE_URL, Chart.KAFKA_BOOTSTRAP, authentication);
    }
}
