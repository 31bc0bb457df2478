package com.clickhouse.analytics.deploy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The topics Job: a hook that creates the Kafka topics before the migration and before any pod,
 * because managed Kafka does not create them on first use.
 */
class TopicsJobTest {

    private static Job job(Rendered chart) {
        return chart.hook(Job.class, Chart.name("topics"));
    }

    private static Container container(Rendered chart) {
        List<Container> containers = job(chart).getSpec().getTemplate().getSpec().getContainers();
        assertEquals(1, containers.size());
        return containers.getFirst();
    }

    @Test
    void runsTheTopicsEntryPointAsAHookBeforeTheMigration() {
        Rendered chart = Chart.renderWithRequired();
        Map<String, String> annotations = job(chart).getMetadata().getAnnotations();
        assertEquals("pre-install,pre-upgrade", annotations.get("helm.sh/hook"));
        int topics = Integer.parseInt(annotations.get("helm.sh/hook-weight"));
        int migration = Integer.parseInt(chart.migrationJob().getMetadata().getAnnotations().get("helm.sh/hook-weight"));
        assertTrue(topics < migration, "topics (" + topics + ") before the migration (" + migration + ")");
        Container c = container(chart);
        assertEquals(List.of("topics"), c.getArgs());
        assertEquals(chart.container("writer").getImage(), c.getImage());
        assertEquals("events", Workloads.env(c, "EVENTS_TOPIC").getValue());
        assertEquals("events_dlq", Workloads.env(c, "DLQ_TOPIC").getValue());
        assertEquals("12", Workloads.env(c, "EVENTS_TOPIC_PARTITIONS").getValue());
        assertEquals("-1", Workloads.env(c, "TOPIC_REPLICATION_FACTOR").getValue());
        assertEquals(chart.config("writer").get("KAFKA_BOOTSTRAP_SERVERS"), Workloads.env(c, "KAFKA_BOOTSTRAP_SERVERS").getValue());
    }

    @Test
    void takesTopicSettingsAndTheKafkaSecretAndClientSettings() {
        Rendered chart = Chart.renderWithRequired("topics.partitions=24", "topics.replicationFactor=3", "topics.minInsyncReplicas=2",
                "topics.retentionMs=86400000", "kafka.topic=ev", "kafka.dlqTopic=ev_dead", "kafka.existingSecret=kafka-sasl",
                "kafka.config.security\\.protocol=SASL_SSL");
        Container c = container(chart);
        assertEquals("24", Workloads.env(c, "EVENTS_TOPIC_PARTITIONS").getValue());
        assertEquals("3", Workloads.env(c, "TOPIC_REPLICATION_FACTOR").getValue());
        assertEquals("2", Workloads.env(c, "TOPIC_MIN_INSYNC_REPLICAS").getValue());
        assertEquals("86400000", Workloads.env(c, "EVENTS_RETENTION_MS").getValue());
        assertEquals("ev", Workloads.env(c, "EVENTS_TOPIC").getValue());
        assertEquals("ev_dead", Workloads.env(c, "DLQ_TOPIC").getValue());
        assertEquals("SASL_SSL", Workloads.env(c, "KAFKA_SECURITY_PROTOCOL").getValue());
        assertEquals(List.of("kafka-sasl"), Workloads.envFromNames(c), "SASL credentials from kafka.existingSecret");
    }

    @Test
    void canBeTurnedOff() {
        assertFalse(Chart.renderWithRequired("topics.enabled=false").allIncludingHooks(Job.class).stream()
                .anyMatch(j -> j.getMetadata().getName().equals(Chart.name("topics"))));
    }

    @Test
    void theWriterKnowsHowManyOfItMayRun() {
        assertEquals("10", Chart.renderWithRequired().config("writer").get("WRITER_MAX_REPLICAS"));
        assertEquals("4", Chart.renderWithRequired("writer.autoscaling.maxReplicas=4").config("writer").get("WRITER_MAX_REPLICAS"));
        assertEquals("3", Chart.renderWithRequired("autoscaling.enabled=false", "writer.replicaCount=3").config("writer")
                .get("WRITER_MAX_REPLICAS"));
    }
}
