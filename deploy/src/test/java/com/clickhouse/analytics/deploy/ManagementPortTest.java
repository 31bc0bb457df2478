package com.clickhouse.analytics.deploy;

import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** /metrics (and /ready) on a port of their own, reachable through a ClusterIP Service per tier and never through the public one. */
class ManagementPortTest {
    private static final Rendered CHART = Chart.renderWithRequired();

    @ParameterizedTest
    @ValueSource(strings = {"gateway", "writer"})
    void eachTierListensOnTheManagementPortAndIsToldSo(String tier) {
        assertEquals("9090", CHART.config(tier).get("MANAGEMENT_PORT"));
        ContainerPort management = CHART.container(tier).getPorts().stream()
                .filter(p -> "management".equals(p.getName())).findFirst().orElseThrow();
        assertEquals(9090, management.getContainerPort());
    }

    @ParameterizedTest
    @ValueSource(strings = {"gateway", "writer"})
    void aClusterIpServiceExposesItForItsTierOnly(String tier) {
        Service service = CHART.get(Service.class, Chart.name(tier) + "-management");
        assertEquals("ClusterIP", service.getSpec().getType());
        ServicePort port = service.getSpec().getPorts().getFirst();
        assertEquals(1, service.getSpec().getPorts().size());
        assertEquals("management", port.getName());
        assertEquals(9090, port.getPort());
        assertEquals(new IntOrString("management"), port.getTargetPort());
        assertEquals(CHART.deployment(tier).getSpec().getSelector().getMatchLabels(), service.getSpec().getSelector());
    }

    @Test
    void thePublicGatewayServiceDoesNotCarryIt() {
        Service gateway = CHART.get(Service.class, Chart.name("gateway"));
        assertEquals(List.of("http"), gateway.getSpec().getPorts().stream().map(ServicePort::getName).toList());
        assertFalse(gateway.getSpec().getPorts().stream().anyMatch(p -> p.getPort() == 9090));
    }

    @ParameterizedTest
    @ValueSource(strings = {"gateway", "writer"})
    void scrapingAnnotationsPointAtIt(String tier) {
        Map<String, String> annotations = CHART.deployment(tier).getSpec().getTemplate().getMetadata().getAnnotations();
        assertEquals("9090", annotations.get("prometheus.io/port"));
        assertEquals("/metrics", annotations.get("prometheus.io/path"));
    }

    @Test
    void thePortIsAValue() {
        Rendered chart = Chart.renderWithRequired("management.port=9464", "management.service.annotations.team=sre");
        assertEquals("9464", chart.config("writer").get("MANAGEMENT_PORT"));
        Service service = chart.get(Service.class, Chart.name("writer") + "-management");
        assertEquals(9464, service.getSpec().getPorts().getFirst().getPort());
        assertEquals("sre", service.getMetadata().getAnnotations().get("team"));
    }
}
