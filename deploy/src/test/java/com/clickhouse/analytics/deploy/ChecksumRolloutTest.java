package com.clickhouse.analytics.deploy;

import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pods carry checksums of their ConfigMap and Secret, so a changed value rolls them. */
class ChecksumRolloutTest {
    private static final Map<String, String> BASE = checksums(Chart.renderWithRequired(), "gateway");

    @Test
    void podsCarryConfigAndSecretChecksums() {
        for (String tier : new String[] {"gateway", "writer"}) {
            Map<String, String> checksums = checksums(Chart.renderWithRequired(), tier);
            assertTrue(checksums.get("checksum/config").matches("[0-9a-f]{64}"), tier);
            assertTrue(checksums.get("checksum/secret").matches("[0-9a-f]{64}"), tier);
        }
    }

    @Test
    void rotatingKeysRollsTheGatewayButNotItsConfigChecksum() {
        Map<String, String> rotated = checksums(Chart.renderWithRequired("ingest.publicApiKeys=pk_old,pk_new"), "gateway");
        assertNotEquals(BASE.get("checksum/secret"), rotated.get("checksum/secret"));
        assertEquals(BASE.get("checksum/config"), rotated.get("checksum/config"));
    }

    @Test
    void changedConfigRollsTheGateway() {
        Map<String, String> changed = checksums(Chart.renderWithRequired("ingest.allowedOrigins=https://app.example.com"), "gateway");
        assertNotEquals(BASE.get("checksum/config"), changed.get("checksum/config"));
        assertEquals(BASE.get("checksum/secret"), changed.get("checksum/secret"));
    }

    @Test
    void changedClickHousePasswordRollsTheWriter() {
        Map<String, String> before = checksums(Chart.renderWithRequired(), "writer");
        Map<String, String> after = checksums(Chart.renderWithRequired("clickhouse.password=n3w"), "writer");
        assertNotEquals(before.get("checksum/secret"), after.get("checksum/secret"));
        assertEquals(before.get("checksum/config"), after.get("checksum/config"));
    }

    @Test
    void changedKafkaSettingRollsTheWriter() {
        Map<String, String> before = checksums(Chart.renderWithRequired(), "writer");
        Map<String, String> after = checksums(Chart.renderWithRequired("kafka.topic=product_events"), "writer");
        assertNotEquals(before.get("checksum/config"), after.get("checksum/config"));
    }

    private static Map<String, String> checksums(Rendered chart, String tier) {
        return chart.deployment(tier).getSpec().getTemplate().getMetadata().getAnnotations();
    }
}
