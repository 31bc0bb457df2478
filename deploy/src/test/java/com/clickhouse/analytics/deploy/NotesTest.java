package com.clickhouse.analytics.deploy;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** NOTES.txt, rendered by a client-only dry-run install, tells how to send a first event. */
class NotesTest {

    @Test
    void showHowToSendAFirstEventWithAKey() {
        String notes = Chart.notes(Chart.CLICKHOUSE_URL, Chart.KAFKA_BOOTSTRAP, "ingest.publicApiKeys=local_dev_key");
        assertTrue(notes.contains("kubectl --namespace analytics port-forward service/" + Chart.name("gateway") + " 8080:8080"), notes);
        assertTrue(notes.contains("curl -sS http://localhost:8080/batch/"), notes);
        assertTrue(notes.contains("\"api_key\":\"<one of ingest.publicApiKeys>\""), notes);
        assertFalse(notes.contains("local_dev_key"), "notes must not print a key");
    }

    @Test
    void browserOnlyDeploymentsAreToldToSendAnOrigin() {
        String notes = Chart.notes(Chart.CLICKHOUSE_URL, Chart.KAFKA_BOOTSTRAP, "ingest.allowedOrigins=https://app.example.com");
        assertTrue(notes.contains("ingest.publicApiKeys is empty"), notes);
        assertTrue(notes.contains("-H 'Origin: <one of ingest.allowedOrigins>'"), notes);
        assertTrue(notes.contains("https://app.example.com"), notes);
    }

    /** The rotation forms that survive Helm's --set parser (ApiKeysTest renders each with the real CLI). */
    @Test
    void showTheKeyRotationFormsThatWork() {
        String notes = Chart.notes(Chart.CLICKHOUSE_URL, Chart.KAFKA_BOOTSTRAP, Chart.API_KEYS);
        assertTrue(notes.contains("--set ingest.publicApiKeys='<old>\\,<new>'"), notes);
        assertTrue(notes.contains("--set 'ingest.publicApiKeys={<old>,<new>}'"), notes);
        assertTrue(notes.contains("--set-json 'ingest.publicApiKeys=\"<old>,<new>\"'"), notes);
        assertTrue(notes.contains("management port 9090"), notes);
    }

    @Test
    void tellsThatWriterReplicasBeyondPartitionsIdle() {
        String notes = Chart.notes(Chart.CLICKHOUSE_URL, Chart.KAFKA_BOOTSTRAP, Chart.API_KEYS, "writer.autoscaling.maxReplicas=6");
        assertTrue(notes.contains("give the topic at least 6 partitions"), notes);
    }
}
