package com.clickhouse.analytics.deploy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gateway's limits and the historical lane in the chart: the limit values become the gateway's
 * environment only when set, and historicalWriter adds a second writer Deployment on the historical
 * topic and group, scaled like the writer, scraped as a writer, while the gateway routes to it.
 */
class LimitsAndLanesTest {

    private static final String HISTORICAL = "historical";

    @Test
    void limitsAreOffAndAbsentByDefault() {
        Rendered chart = Chart.renderWithRequired();
        Map<String, String> gateway = chart.config("gateway");
        for (String key : List.of("RATE_LIMIT_KEY_PER_SECOND", "RATE_LIMIT_DISTINCT_ID_PER_SECOND", "OVERFLOW_PER_SECOND", "DROP_LIST",
                "HISTORICAL_TOPIC", "HISTORICAL_AFTER_DAYS", "RATE_LIMIT_BUCKETS")) {
            assertFalse(gateway.containsKey(key), key);
        }
        assertFalse(chart.has("Deployment", Chart.name(HISTORICAL)), "the historical writer is optional");
        assertEquals(2, chart.all(Deployment.class).size());
    }

    @Test
    void theLimitValuesBecomeTheGatewaysEnvironment() {
        Map<String, String> gateway = Chart.renderWithRequired("ingest.limits.keyRate=5000", "ingest.limits.keyBurst=20000",
                "ingest.limits.distinctIdRate=50", "ingest.limits.distinctIdBurst=10000", "ingest.limits.distinctIdBuckets=500000",
                "ingest.limits.overflowRate=100", "ingest.dropList=leaked_key,phc_x:runaway").config("gateway");
        assertEquals("5000", gateway.get("RATE_LIMIT_KEY_PER_SECOND"));
        assertEquals("20000", gateway.get("RATE_LIMIT_KEY_BURST"));
        assertEquals("50", gateway.get("RATE_LIMIT_DISTINCT_ID_PER_SECOND"));
        assertEquals("10000", gateway.get("RATE_LIMIT_DISTINCT_ID_BURST"));
        assertEquals("500000", gateway.get("RATE_LIMIT_BUCKETS"));
        assertEquals("100", gateway.get("OVERFLOW_PER_SECOND"));
        assertFalse(gateway.containsKey("OVERFLOW_BURST"), "0: one second of the rate, the service's default");
        assertEquals("leaked_key,phc_x:runaway", gateway.get("DROP_LIST"));
    }

    @Test
    void theHistoricalWriterIsTheWriterOnTheHistoricalTopicAndGroup() {
        Rendered chart = Chart.renderWithRequired("historicalWriter.enabled=true", "ingest.historicalAfterDays=30");
        Deployment writer = chart.deployment("writer");
        Deployment historical = chart.deployment(HISTORICAL);
        Container w = chart.container("writer");
        Container h = chart.container(HISTORICAL);
        assertEquals(w.getImage(), h.getImage());
        assertEquals(w.getArgs(), h.getArgs());
        assertEquals(List.of(Chart.name("writer"), Chart.name(HISTORICAL)),
                h.getEnvFrom().stream().filter(e -> e.getConfigMapRef() != null).map(e -> e.getConfigMapRef().getName()).toList(),
                "the writer's settings, then the lane's (the later source wins)");
        Map<String, String> lane = chart.config(HISTORICAL);
        assertEquals(Map.of("EVENTS_TOPIC", "events_historical", "WRITER_GROUP_ID", "cpa-writer-historical", "WRITER_MAX_REPLICAS", "4"), lane);
        assertEquals(w.getResources(), h.getResources(), "the writer's resources unless it has its own");
        assertNotEquals(writer.getSpec().getSelector().getMatchLabels(), historical.getSpec().getSelector().getMatchLabels(),
                "the Deployments never select each other's pods");
        assertEquals("writer", writer.getSpec().getSelector().getMatchLabels().get("app.kubernetes.io/component"), "the writer's selector is unchanged");
        assertEquals(HISTORICAL, historical.getSpec().getTemplate().getMetadata().getLabels().get("app.kubernetes.io/component"));

        Map<String, String> gateway = chart.config("gateway");
        assertEquals("events_historical", gateway.get("HISTORICAL_TOPIC"), "the gateway routes to the lane only when something drains it");
        assertEquals("30", gateway.get("HISTORICAL_AFTER_DAYS"));

        assertEquals(1, chart.hpa(HISTORICAL).getSpec().getMinReplicas());
        assertEquals(4, chart.hpa(HISTORICAL).getSpec().getMaxReplicas());
        assertTrue(chart.has("Service", Chart.name(HISTORICAL + "-management")));
        assertTrue(chart.has("PodDisruptionBudget", Chart.name(HISTORICAL)));
        assertEquals(Chart.name(HISTORICAL), chart.get(PodDisruptionBudget.class, Chart.name(HISTORICAL)).getMetadata().getName());
        Service management = chart.get(Service.class, Chart.name(HISTORICAL + "-management"));
        assertEquals(HISTORICAL, management.getSpec().getSelector().get("app.kubernetes.io/component"));
    }

    @Test
    void ownResourcesAndPodSettingsOfTheHistoricalWriter() {
        Rendered chart = Chart.renderWithRequired("historicalWriter.enabled=true", "historicalWriter.resources.limits.memory=2Gi",
                "historicalWriter.extraEnv[0].name=WRITER_BATCH_MAX_ROWS", "historicalWriter.extraEnv[0].value=200000",
                "historicalWriter.nodeSelector.pool=batch", "autoscaling.enabled=false", "historicalWriter.replicaCount=3");
        Container h = chart.container(HISTORICAL);
        assertEquals("2Gi", h.getResources().getLimits().get("memory").toString());
        assertEquals("200000", Workloads.env(h, "WRITER_BATCH_MAX_ROWS").getValue());
        assertNull(chart.container("writer").getEnv() == null ? null
                : chart.container("writer").getEnv().stream().filter(e -> e.getName().equals("WRITER_BATCH_MAX_ROWS")).findFirst().orElse(null));
        assertEquals(Map.of("pool", "batch"), chart.pod(HISTORICAL).getNodeSelector());
        assertEquals(3, chart.deployment(HISTORICAL).getSpec().getReplicas());
        assertEquals("3", chart.config(HISTORICAL).get("WRITER_MAX_REPLICAS"));
    }

    @Test
    void withKedaEachWriterScalesOnItsOwnGroupsLag() {
        Rendered chart = Chart.renderWithRequired("historicalWriter.enabled=true", "writer.keda.enabled=true");
        GenericKubernetesResource live = chart.generic("ScaledObject", Chart.name("writer"));
        GenericKubernetesResource historical = chart.generic("ScaledObject", Chart.name(HISTORICAL));
        Map<String, Object> trigger = trigger(historical);
        assertEquals("events_historical", trigger.get("topic"));
        assertEquals("cpa-writer-historical", trigger.get("consumerGroup"));
        assertEquals("earliest", trigger.get("offsetResetPolicy"));
        assertEquals("events", trigger(live).get("topic"));
        @SuppressWarnings("unchecked")
        Map<String, Object> spec = (Map<String, Object>) historical.getAdditionalProperties().get("spec");
        assertEquals(Chart.name(HISTORICAL), ((Map<?, ?>) spec.get("scaleTargetRef")).get("name"));
        assertEquals(4, ((Number) spec.get("maxReplicaCount")).intValue());
        assertFalse(chart.has("HorizontalPodAutoscaler", Chart.name(HISTORICAL)), "KEDA owns its HPA");
        assertNull(chart.deployment(HISTORICAL).getSpec().getReplicas());
    }

    @Test
    void bothWritersAreScrapedAsTheWriterJob() {
        Rendered chart = Chart.renderWithRequired("historicalWriter.enabled=true", "monitoring.podMonitor.enabled=true");
        GenericKubernetesResource monitor = chart.generic("PodMonitor", Chart.name(HISTORICAL));
        assertTrue(monitor.getAdditionalProperties().get("spec").toString().contains("replacement=cpa-writer"), monitor.toString());
    }

    @Test
    void theTopicsJobCreatesTheHistoricalTopic() {
        Container c = Chart.renderWithRequired("topics.historicalPartitions=6", "kafka.historicalTopic=backfill")
                .hook(Job.class, Chart.name("topics")).getSpec().getTemplate().getSpec().getContainers().getFirst();
        assertEquals("backfill", Workloads.env(c, "HISTORICAL_TOPIC").getValue());
        assertEquals("6", Workloads.env(c, "HISTORICAL_TOPIC_PARTITIONS").getValue());
        assertEquals("604800000", Workloads.env(c, "HISTORICAL_RETENTION_MS").getValue());
    }

    @Test
    void oldEventsNeedTheHistoricalWriter() {
        assertTrue(Chart.failure(Chart.withRequired("ingest.historicalAfterDays=7")).contains("historicalAfterDays needs historicalWriter.enabled"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> trigger(GenericKubernetesResource scaledObject) {
        Map<String, Object> spec = (Map<String, Object>) scaledObject.getAdditionalProperties().get("spec");
        List<Map<String, Object>> triggers = (List<Map<String, Object>>) spec.get("triggers");
        return (Map<String, Object>) triggers.getFirst().get("metadata");
    }
}
