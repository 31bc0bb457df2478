package com.clickhouse.analytics.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Kafka wiring: servers and topics as settings, secrets from an existing Secret, extra client settings. */
class KafkaSettingsTest {

    @Test
    void bootstrapServersTopicsAndGroupReachTheTiersThatUseThem() {
        Rendered chart = Chart.renderWithRequired(
                "kafka.bootstrapServers=b-1.msk:9096,b-2.msk:9096",
                "kafka.topic=product_events",
                "kafka.dlqTopic=product_events_dlq",
                "kafka.consumerGroup=analytics-writer");

        Map<String, String> gateway = chart.config("gateway");
        assertEquals("b-1.msk:9096,b-2.msk:9096", gateway.get("KAFKA_BOOTSTRAP_SERVERS"));
        assertEquals("product_events", gateway.get("EVENTS_TOPIC"));
        assertFalse(gateway.containsKey("DLQ_TOPIC"));
        assertFalse(gateway.containsKey("WRITER_GROUP_ID"));

        Map<String, String> writer = chart.config("writer");
        assertEquals("b-1.msk:9096,b-2.msk:9096", writer.get("KAFKA_BOOTSTRAP_SERVERS"));
        assertEquals("product_events", writer.get("EVENTS_TOPIC"));
        assertEquals("product_events_dlq", writer.get("DLQ_TOPIC"));
        assertEquals("analytics-writer", writer.get("WRITER_GROUP_ID"));
    }

    /** The Secret comes last, so its KAFKA_* keys override anything from the ConfigMap. */
    @ParameterizedTest
    @ValueSource(strings = {"gateway", "writer"})
    void existingSecretIsLoadedWholeIntoBothTiers(String tier) {
        Rendered chart = Chart.renderWithRequired("kafka.existingSecret=kafka-sasl");
        List<String> sources = Workloads.envFromNames(chart.container(tier));
        assertEquals("kafka-sasl", sources.getLast());
        assertEquals(Chart.name(tier), sources.getFirst());
        assertEquals("kafka-sasl",
                chart.container(tier).getEnvFrom().getLast().getSecretRef().getName());
    }

    @Test
    void noKafkaSecretUnlessNamed() {
        Rendered chart = Chart.renderWithRequired();
        assertFalse(Workloads.envFromNames(chart.container("gateway"))
                .contains("kafka-sasl"));
        assertEquals(2, chart.container("gateway").getEnvFrom().size());
    }

    @Test
    void extraClientSettingsBecomeKafkaEnvironmentVariablesInBothTiers() {
        Rendered chart = Chart.renderWithRequired(
                "kafka.config.security\\.protocol=SASL_SSL",
                "kafka.config.sasl\\.mechanism=SCRAM-SHA-512",
                "kafka.config.linger\\.ms=20",
                "kafka.config.buffer\\.memory=67108864",
                "kafka.config.enable\\.idempotence=true");

        for (String tier : List.of("gateway", "writer")) {
            Map<String, String> env = chart.config(tier);
            assertEquals("SASL_SSL", env.get("KAFKA_SECURITY_PROTOCOL"), tier);
            assertEquals("SCRAM-SHA-512", env.get("KAFKA_SASL_MECHANISM"), tier);
            assertEquals("20", env.get("KAFKA_LINGER_MS"), tier);
            assertEquals("67108864", env.get("KAFKA_BUFFER_MEMORY"), tier);
            assertEquals("true", env.get("KAFKA_ENABLE_IDEMPOTENCE"), tier);
        }
    }

    /** Numbers from a values file reach Helm as floating point and must not print as 6.7108864e+07. */
    @Test
    void largeNumbersFromAValuesFileStayIntegers(@TempDir Path dir) throws IOException {
        Path values = Files.writeString(dir.resolve("values.yaml"), """
                ingest:
                  maxBatchBytes: 104857600
                kafka:
                  config:
                    buffer.memory: 67108864
                    compression.type: zstd
                """);
        Rendered chart = Chart.render(values, Chart.withRequired());
        assertEquals("104857600", chart.config("gateway").get("MAX_BATCH_BYTES"));
        assertEquals("67108864", chart.config("writer").get("KAFKA_BUFFER_MEMORY"));
        assertEquals("zstd", chart.config("writer").get("KAFKA_COMPRESSION_TYPE"));
    }
}
