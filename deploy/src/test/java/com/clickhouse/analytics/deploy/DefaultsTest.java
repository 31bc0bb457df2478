package com.clickhouse.analytics.deploy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the chart deploys when only the two required values are given. */
class DefaultsTest {
    private final Rendered chart = Chart.renderWithRequired();

    @Test
    void deploysBothTiersFromTheOneImageWithTheirEntryPoint() throws IOException {
        String appVersion = Chart.YAML.readTree(Chart.DIR.resolve("Chart.yaml").toFile()).get("appVersion").asText();
        for (String tier : List.of("gateway", "writer")) {
            Container container = chart.container(tier);
            assertEquals("ghcr.io/clickhouse/clickhouse-product-analytics:" + appVersion, container.getImage(), tier);
            assertEquals(List.of(tier), container.getArgs(), tier);
        }
    }

    @Test
    void autoscalingLeavesReplicasToTheHpas() {
        assertNull(chart.deployment("gateway").getSpec().getReplicas());
        assertNull(chart.deployment("writer").getSpec().getReplicas());
    }

    @ParameterizedTest
    @ValueSource(strings = {"gateway", "writer"})
    void eachTierHasAnHpaWithTheGuidesDefaults(String tier) {
        HorizontalPodAutoscaler hpa = chart.hpa(tier);
        assertEquals("Deployment", hpa.getSpec().getScaleTargetRef().getKind());
        assertEquals(Chart.name(tier), hpa.getSpec().getScaleTargetRef().getName());
        assertEquals(2, hpa.getSpec().getMinReplicas());
        assertEquals(10, hpa.getSpec().getMaxReplicas());
        assertEquals(Map.of("cpu", 70, "memory", 80), Workloads.utilizationTargets(hpa));
    }

    @Test
    void gatewayServiceSelectsOnlyGatewayPods() {
        Service service = chart.get(Service.class, Chart.name("gateway"));
        assertEquals("ClusterIP", service.getSpec().getType());
        assertEquals(8080, service.getSpec().getPorts().getFirst().getPort());
        assertEquals(new IntOrString("http"), service.getSpec().getPorts().getFirst().getTargetPort());

        Map<String, String> selector = service.getSpec().getSelector();
        assertTrue(podLabels(chart.deployment("gateway")).entrySet().containsAll(selector.entrySet()));
        assertFalse(podLabels(chart.deployment("writer")).entrySet().containsAll(selector.entrySet()));
        assertFalse(chart.has("Service", Chart.name("writer")), "the writer serves only health and metrics");
    }

    @ParameterizedTest
    @ValueSource(strings = {"gateway", "writer"})
    void eachTierHasAPodDisruptionBudgetForItsOwnPods(String tier) {
        PodDisruptionBudget pdb = chart.get(PodDisruptionBudget.class, Chart.name(tier));
        assertEquals(new IntOrString(1), pdb.getSpec().getMaxUnavailable());
        assertEquals(chart.deployment(tier).getSpec().getSelector(), pdb.getSpec().getSelector());
    }

    @Test
    void gatewayEnvironmentHasTheConventionDefaults() {
        Map<String, String> env = chart.config("gateway");
        assertEquals("8080", env.get("PORT"));
        assertEquals("warn", env.get("LOG_LEVEL"));
        assertEquals("20971520", env.get("MAX_BATCH_BYTES"));
        assertEquals("10000", env.get("MAX_EVENTS_PER_BATCH"));
        assertEquals("events", env.get("EVENTS_TOPIC"));
        assertEquals("kafka:9092", env.get("KAFKA_BOOTSTRAP_SERVERS"));
        assertFalse(env.containsKey("CLICKHOUSE_URL"), "the gateway never talks to ClickHouse");
        assertTrue(env.get("JAVA_OPTS").contains("-XX:MaxRAMPercentage=50"), "heap well under the memory target");
    }

    @Test
    void writerEnvironmentHasTheConventionDefaultsAndNeverMigratesAtStart() {
        Map<String, String> env = chart.config("writer");
        assertEquals("8081", env.get("PORT"));
        assertEquals("warn", env.get("LOG_LEVEL"));
        assertEquals("false", env.get("MIGRATE_ON_START"));
        assertEquals("http://clickhouse:8123", env.get("CLICKHOUSE_URL"));
        assertEquals("product_analytics", env.get("CLICKHOUSE_DATABASE"));
        assertEquals("events", env.get("EVENTS_TOPIC"));
        assertEquals("events_dlq", env.get("DLQ_TOPIC"));
        assertEquals("cpa-writer", env.get("WRITER_GROUP_ID"));
        assertEquals("50000", env.get("WRITER_BATCH_MAX_ROWS"));
        assertEquals("8388608", env.get("WRITER_BATCH_MAX_BYTES"));
        assertEquals("1000", env.get("WRITER_BATCH_MAX_AGE_MS"));
        assertTrue(env.get("JAVA_OPTS").contains("-XX:MaxRAMPercentage=50"), "heap well under the memory target");
    }

    @Test
    void noKedaObjectUnlessAskedFor() {
        assertFalse(chart.has("ScaledObject", Chart.name("writer")));
    }

    private static Map<String, String> podLabels(Deployment deployment) {
        return deployment.getSpec().getTemplate().getMetadata().getLabels();
    }
}
