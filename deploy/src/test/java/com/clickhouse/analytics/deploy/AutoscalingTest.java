package com.clickhouse.analytics.deploy;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Shared autoscaling defaults, per-tier overrides, and KEDA in place of the writer's HPA. */
class AutoscalingTest {

    @Test
    void eachTierOverridesTheSharedDefaultsKeyByKey() {
        Rendered chart = Chart.renderWithRequired(
                "autoscaling.maxReplicas=20",
                "gateway.autoscaling.minReplicas=3",
                "gateway.autoscaling.targetCPUUtilizationPercentage=60",
                "writer.autoscaling.maxReplicas=12",
                "writer.autoscaling.targetMemoryUtilizationPercentage=90");

        HorizontalPodAutoscaler gateway = chart.hpa("gateway");
        assertEquals(3, gateway.getSpec().getMinReplicas());
        assertEquals(20, gateway.getSpec().getMaxReplicas());
        assertEquals(Map.of("cpu", 60, "memory", 80), Workloads.utilizationTargets(gateway));

        HorizontalPodAutoscaler writer = chart.hpa("writer");
        assertEquals(2, writer.getSpec().getMinReplicas());
        assertEquals(12, writer.getSpec().getMaxReplicas());
        assertEquals(Map.of("cpu", 70, "memory", 90), Workloads.utilizationTargets(writer));
    }

    /** A tier's false must win over the shared true (a plain merge would lose it). */
    @Test
    void oneTierCanTurnAutoscalingOff() {
        Rendered chart = Chart.renderWithRequired("gateway.autoscaling.enabled=false", "gateway.replicaCount=4");

        assertFalse(chart.has("HorizontalPodAutoscaler", Chart.name("gateway")));
        assertEquals(4, chart.deployment("gateway").getSpec().getReplicas());
        assertTrue(chart.has("HorizontalPodAutoscaler", Chart.name("writer")));
        assertNull(chart.deployment("writer").getSpec().getReplicas());
    }

    @Test
    void turningAutoscalingOffEverywhereFixesTheReplicaCounts() {
        Rendered chart = Chart.renderWithRequired("autoscaling.enabled=false", "writer.replicaCount=3");

        assertEquals(List.of(), chart.all(HorizontalPodAutoscaler.class));
        assertEquals(2, chart.deployment("gateway").getSpec().getReplicas());
        assertEquals(3, chart.deployment("writer").getSpec().getReplicas());
    }

    @Test
    void aZeroTargetLeavesThatMetricOut() {
        Rendered chart = Chart.renderWithRequired("writer.autoscaling.targetMemoryUtilizationPercentage=0");
        assertEquals(Map.of("cpu", 70), Workloads.utilizationTargets(chart.hpa("writer")));
        assertEquals(Map.of("cpu", 70, "memory", 80), Workloads.utilizationTargets(chart.hpa("gateway")));
    }

    @Test
    void kedaScalesTheWriterOnConsumerLagInsteadOfItsHpa() {
        Rendered chart = Chart.renderWithRequired(
                "writer.keda.enabled=true",
                "writer.keda.lagThreshold=5000",
                "writer.autoscaling.maxReplicas=12",
                "kafka.topic=product_events",
                "kafka.consumerGroup=analytics-writer");

        assertFalse(chart.has("HorizontalPodAutoscaler", Chart.name("writer")), "KEDA owns the writer's HPA");
        assertTrue(chart.has("HorizontalPodAutoscaler", Chart.name("gateway")));
        assertNull(chart.deployment("writer").getSpec().getReplicas());

        GenericKubernetesResource scaledObject = chart.generic("ScaledObject", Chart.name("writer"));
        assertEquals("keda.sh/v1alpha1", scaledObject.getApiVersion());
        Map<String, Object> spec = scaledObject.get("spec");
        assertEquals(Map.of("name", Chart.name("writer")), spec.get("scaleTargetRef"));
        assertEquals(2, spec.get("minReplicaCount"));
        assertEquals(12, spec.get("maxReplicaCount"));

        Map<String, Object> trigger = scaledObject.<List<Map<String, Object>>>get("spec", "triggers").getFirst();
        assertEquals("kafka", trigger.get("type"));
        assertEquals(Map.of(
                "bootstrapServers", "kafka:9092",
                "consumerGroup", "analytics-writer",
                "topic", "product_events",
                "lagThreshold", "5000",
                "offsetResetPolicy", "earliest"), trigger.get("metadata"),
                "offsetResetPolicy is the writer's auto.offset.reset (WriterMain.consumerSettings)");
        assertFalse(trigger.containsKey("authenticationRef"));
    }

    @Test
    void kedaUsesATriggerAuthenticationForSecuredBrokers() {
        Rendered chart = Chart.renderWithRequired("writer.keda.enabled=true", "writer.keda.authenticationRef=kafka-sasl");
        GenericKubernetesResource scaledObject = chart.generic("ScaledObject", Chart.name("writer"));
        Map<String, Object> trigger = scaledObject.<List<Map<String, Object>>>get("spec", "triggers").getFirst();
        assertEquals(Map.of("name", "kafka-sasl"), trigger.get("authenticationRef"));
    }

    /** A TriggerAuthentication made from kafka.existingSecret, by the configured keys, plus the private CA. */
    @Test
    void kedaTriggerAuthenticationFromTheKafkaSecret() {
        Rendered chart = Chart.renderWithRequired("writer.keda.enabled=true", "writer.keda.triggerAuthentication.enabled=true",
                "kafka.existingSecret=kafka-client", "writer.keda.triggerAuthentication.secretKeys.tls=",
                "tls.caBundle.secretName=private-ca");
        GenericKubernetesResource scaledObject = chart.generic("ScaledObject", Chart.name("writer"));
        Map<String, Object> trigger = scaledObject.<List<Map<String, Object>>>get("spec", "triggers").getFirst();
        assertEquals(Map.of("name", Chart.name("writer")), trigger.get("authenticationRef"));

        GenericKubernetesResource authentication = chart.generic("TriggerAuthentication", Chart.name("writer"));
        assertEquals("keda.sh/v1alpha1", authentication.getApiVersion());
        assertEquals(List.of(
                Map.of("parameter", "password", "name", "kafka-client", "key", "KEDA_KAFKA_PASSWORD"),
                Map.of("parameter", "sasl", "name", "kafka-client", "key", "KEDA_KAFKA_SASL"),
                Map.of("parameter", "username", "name", "kafka-client", "key", "KEDA_KAFKA_USERNAME"),
                Map.of("parameter", "ca", "name", "private-ca", "key", "ca.crt")),
                authentication.get("spec", "secretTargetRef"));
    }

    @Test
    void kedaTriggerAuthenticationNeedsTheKafkaSecretAndExcludesAnExistingOne() {
        String noSecret = Chart.failure(Chart.withRequired("writer.keda.enabled=true", "writer.keda.triggerAuthentication.enabled=true"));
        assertTrue(noSecret.contains("writer.keda.triggerAuthentication.enabled needs kafka.existingSecret"), noSecret);
        String both = Chart.failure(Chart.withRequired("writer.keda.enabled=true", "writer.keda.triggerAuthentication.enabled=true",
                "kafka.existingSecret=kafka-client", "writer.keda.authenticationRef=mine"));
        assertTrue(both.contains("set authenticationRef or triggerAuthentication.enabled, not both"), both);
        assertFalse(Chart.renderWithRequired("writer.keda.enabled=true").has("TriggerAuthentication", Chart.name("writer")));
    }

    @Test
    void kedaStillScalesTheWriterWhenHpasAreOff() {
        Rendered chart = Chart.renderWithRequired("autoscaling.enabled=false", "writer.keda.enabled=true");
        assertTrue(chart.has("ScaledObject", Chart.name("writer")));
        assertNull(chart.deployment("writer").getSpec().getReplicas(), "KEDA, not the chart, sets the writer's replicas");
        assertEquals(2, chart.deployment("gateway").getSpec().getReplicas());
    }

    @Test
    void minimumAboveMaximumFailsEarly() {
        String message = Chart.failure(Chart.CLICKHOUSE_URL, Chart.KAFKA_BOOTSTRAP, Chart.API_KEYS, "writer.autoscaling.maxReplicas=1");
        assertTrue(message.contains("writer autoscaling: minReplicas (2) is above maxReplicas (1)"), message);
    }
}
