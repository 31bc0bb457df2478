package com.clickhouse.analytics.deploy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Probes on /health and /ready, and requests and limits on every container so HPAs see stable signals. */
class ProbesAndResourcesTest {
    private static final Rendered CHART = Chart.renderWithRequired();

    @ParameterizedTest
    @CsvSource({"gateway, 8080", "writer, 8081"})
    void probesUseHealthForLivenessAndReadyForReadiness(String tier, int port) {
        Container container = CHART.container(tier);
        assertEquals(port, container.getPorts().getFirst().getContainerPort());
        assertEquals("http", container.getPorts().getFirst().getName());
        assertEquals(String.valueOf(port), CHART.config(tier).get("PORT"), "the service listens where the probes look");

        assertHttpGet(container.getLivenessProbe(), "/health");
        assertHttpGet(container.getReadinessProbe(), "/ready");
        assertHttpGet(container.getStartupProbe(), "/health");
    }

    @ParameterizedTest
    @ValueSource(strings = {"gateway", "writer", "migrate"})
    void everyContainerHasCpuAndMemoryRequestsAndLimits(String name) {
        Container container = CHART.container(name);
        ResourceRequirements resources = container.getResources();
        assertEquals(Set.of("cpu", "memory"), resources.getRequests().keySet(), name);
        assertEquals(Set.of("cpu", "memory"), resources.getLimits().keySet(), name);
        for (String resource : Set.of("cpu", "memory")) {
            assertTrue(resources.getRequests().get(resource).getNumericalAmount()
                    .compareTo(resources.getLimits().get(resource).getNumericalAmount()) <= 0, name + " " + resource);
        }
    }

    @Test
    void resourcesAreSetPerTier() {
        Rendered chart = Chart.renderWithRequired(
                "writer.resources.requests.cpu=500m", "writer.resources.limits.memory=2Gi");
        Map<String, Quantity> requests = chart.container("writer").getResources().getRequests();
        Map<String, Quantity> limits = chart.container("writer").getResources().getLimits();
        assertEquals(new Quantity("500m"), requests.get("cpu"));
        assertEquals(new Quantity("2Gi"), limits.get("memory"));
        assertEquals(new Quantity("250m"),
                chart.container("gateway").getResources().getRequests().get("cpu"));
    }

    private static void assertHttpGet(Probe probe, String path) {
        assertEquals(path, probe.getHttpGet().getPath());
        assertEquals(new IntOrString("http"), probe.getHttpGet().getPort());
    }
}
