package com.clickhouse.analytics.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Service;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ServiceMonitor / PodMonitor, PrometheusRule and Grafana dashboard: off by default, each what it says when on. */
class MonitoringTest {
    static final java.nio.file.Path RULES = Chart.DIR.resolve("files/prometheus-rules.yml");
    static final java.nio.file.Path DASHBOARD = Chart.DIR.resolve("files/grafana-dashboard.json");

    @ParameterizedTest
    @ValueSource(strings = {"ServiceMonitor", "PodMonitor", "PrometheusRule"})
    void offByDefault(String kind) {
        Rendered chart = Chart.renderWithRequired();
        assertFalse(chart.manifests().stream().anyMatch(d -> kind.equals(d.path("kind").asText())), kind);
        assertFalse(chart.has("ConfigMap", Chart.FULLNAME + "-dashboard"));
    }

    @ParameterizedTest
    @CsvSource({"ServiceMonitor, serviceMonitor, endpoints", "PodMonitor, podMonitor, podMetricsEndpoints"})
    void monitorsScrapeTheManagementPortOfEachTierAsItsJob(String kind, String value, String endpoints) {
        Rendered chart = Chart.renderWithRequired("monitoring." + value + ".enabled=true",
                "monitoring." + value + ".labels.release=kube-prometheus-stack", "monitoring." + value + ".interval=15s");
        for (String tier : List.of("gateway", "writer")) {
            GenericKubernetesResource monitor = chart.generic(kind, Chart.name(tier));
            assertEquals("monitoring.coreos.com/v1", monitor.getApiVersion());
            assertEquals("kube-prometheus-stack", monitor.getMetadata().getLabels().get("release"));
            Map<String, String> selector = monitor.get("spec", "selector", "matchLabels");
            Map<String, Object> endpoint = monitor.<List<Map<String, Object>>>get("spec", endpoints).getFirst();
            assertEquals("management", endpoint.get("port"));
            assertEquals("/metrics", endpoint.get("path"));
            assertEquals("15s", endpoint.get("interval"));
            assertEquals(List.of(Map.of("targetLabel", "job", "replacement", "cpa-" + tier)), endpoint.get("relabelings"),
                    "the rules' CpaTargetDown selects these job names");
            if (kind.equals("ServiceMonitor")) {
                Service management = chart.get(Service.class, Chart.name(tier) + "-management");
                assertTrue(management.getMetadata().getLabels().entrySet().containsAll(selector.entrySet()));
                Service publicService = chart.get(Service.class, Chart.name("gateway"));
                assertFalse(publicService.getMetadata().getLabels().entrySet().containsAll(selector.entrySet()),
                        "the public Service is never scraped");
            } else {
                assertEquals(chart.deployment(tier).getSpec().getSelector().getMatchLabels(), selector);
            }
        }
    }

    /** The PrometheusRule's spec is the plain rule file, unchanged (alert templates are not Helm's). */
    @Test
    void prometheusRuleCarriesTheRuleFile() throws IOException {
        Rendered chart = Chart.renderWithRequired("monitoring.prometheusRule.enabled=true", "monitoring.prometheusRule.labels.role=alert-rules");
        JsonNode rule = chart.manifests().stream().filter(d -> "PrometheusRule".equals(d.path("kind").asText())).findFirst().orElseThrow();
        assertEquals("monitoring.coreos.com/v1", rule.path("apiVersion").asText());
        assertEquals("alert-rules", rule.path("metadata").path("labels").path("role").asText());
        assertEquals(Chart.YAML.readTree(RULES.toFile()), rule.path("spec"));
        assertTrue(rule.path("spec").toString().contains("{{ $labels.namespace }}"));
    }

    @Test
    void dashboardConfigMapCarriesTheDashboardForGrafanasSidecar() throws IOException {
        Rendered chart = Chart.renderWithRequired("monitoring.grafanaDashboard.enabled=true",
                "monitoring.grafanaDashboard.annotations.grafana_folder=Analytics");
        ConfigMap dashboard = chart.get(ConfigMap.class, Chart.FULLNAME + "-dashboard");
        assertEquals("1", dashboard.getMetadata().getLabels().get("grafana_dashboard"));
        assertEquals("Analytics", dashboard.getMetadata().getAnnotations().get("grafana_folder"));
        JsonNode json = Chart.YAML.readTree(dashboard.getData().get("clickhouse-product-analytics.json"));
        assertEquals(Chart.YAML.readTree(Files.readString(DASHBOARD)), json);
        assertEquals("cpa-pipeline-health", json.path("uid").asText());
        assertTrue(json.path("panels").size() > 10);
    }
}
