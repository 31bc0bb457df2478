package com.clickhouse.analytics.deploy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Extension points shared by every pod, each tier adding or overriding its own. */
class PodExtrasTest {
    private static Rendered chart;

    @BeforeAll
    static void render(@TempDir Path dir) throws IOException {
        Path values = Files.writeString(dir.resolve("values.yaml"), """
                extraEnv: [{name: SHARED, value: "1"}]
                extraEnvFrom: [{configMapRef: {name: shared-env}}]
                extraVolumes: [{name: shared, emptyDir: {}}]
                extraVolumeMounts: [{name: shared, mountPath: /shared}]
                podLabels: {team: data, cost-center: analytics}
                podAnnotations: {owner: data-team}
                nodeSelector: {pool: general}
                tolerations: [{key: dedicated, operator: Equal, value: analytics, effect: NoSchedule}]
                affinity: {nodeAffinity: {preferredDuringSchedulingIgnoredDuringExecution: [{weight: 1, preference: {matchExpressions: [{key: zone, operator: In, values: [a]}]}}]}}
                topologySpreadConstraints: [{maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: ScheduleAnyway}]
                priorityClassName: analytics
                gateway:
                  extraEnv: [{name: GATEWAY_ONLY, value: "2"}]
                  extraVolumes: [{name: gateway-only, emptyDir: {}}]
                  extraVolumeMounts: [{name: gateway-only, mountPath: /gateway}]
                  podLabels: {team: edge}
                  nodeSelector: {pool: edge}
                  priorityClassName: ingest-critical
                  affinity: {podAntiAffinity: {}}
                  topologySpreadConstraints:
                    - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {custom: selector}}}
                writer:
                  extraEnvFrom: [{secretRef: {name: writer-env}}]
                  tolerations: [{key: writer, operator: Exists}]
                migration:
                  extraEnv: [{name: MIGRATE_ONLY, value: "3"}]
                """);
        chart = Chart.render(values, Chart.withRequired());
    }

    @Test
    void listsAreTheSharedOnesThenTheTiersOwn() {
        assertEquals(List.of("SHARED", "GATEWAY_ONLY"), names(chart.container("gateway")));
        assertEquals(List.of("SHARED"), names(chart.container("writer")));
        assertEquals(List.of("CLICKHOUSE_URL", "CLICKHOUSE_DATABASE", "LOG_LEVEL", "SHARED", "MIGRATE_ONLY"), names(chart.container("migrate")));

        assertEquals("shared-env", Workloads.envFromNames(chart.container("gateway")).getLast());
        assertEquals(List.of(Chart.name("writer"), Chart.name("clickhouse"), "shared-env", "writer-env"),
                Workloads.envFromNames(chart.container("writer")));

        assertTrue(volumes(chart.pod("gateway")).containsAll(List.of("tmp", "shared", "gateway-only")));
        assertFalse(volumes(chart.pod("writer")).contains("gateway-only"));
        assertTrue(mounts(chart.container("gateway")).containsAll(List.of("/tmp", "/shared", "/gateway")));
        assertEquals(List.of("/tmp", "/shared"), mounts(chart.container("writer")));
        assertEquals(List.of("/tmp", "/shared"), mounts(chart.container("migrate")));

        assertEquals(List.of("dedicated"), chart.pod("gateway").getTolerations().stream().map(Toleration::getKey).toList());
        assertEquals(List.of("dedicated", "writer"), chart.pod("writer").getTolerations().stream().map(Toleration::getKey).toList());
    }

    @Test
    void mapsMergeKeyByKeyWithTheTierWinning() {
        Map<String, String> gateway = chart.deployment("gateway").getSpec().getTemplate().getMetadata().getLabels();
        assertEquals("edge", gateway.get("team"));
        assertEquals("analytics", gateway.get("cost-center"));
        assertEquals("gateway", gateway.get("app.kubernetes.io/component"), "selector labels stay");
        assertEquals("data", chart.deployment("writer").getSpec().getTemplate().getMetadata().getLabels().get("team"));
        assertEquals("data", chart.migrationJob().getSpec().getTemplate().getMetadata().getLabels().get("team"));

        assertEquals(Map.of("pool", "edge"), chart.pod("gateway").getNodeSelector());
        assertEquals(Map.of("pool", "general"), chart.pod("writer").getNodeSelector());
        for (String tier : List.of("gateway", "writer")) {
            assertEquals("data-team", chart.deployment(tier).getSpec().getTemplate().getMetadata().getAnnotations().get("owner"), tier);
        }
        assertEquals("data-team", chart.migrationJob().getSpec().getTemplate().getMetadata().getAnnotations().get("owner"));
    }

    @Test
    void affinityAndPriorityClassAreReplacedByTheTiers() {
        assertTrue(chart.pod("gateway").getAffinity().getPodAntiAffinity() != null);
        assertNull(chart.pod("gateway").getAffinity().getNodeAffinity());
        assertTrue(chart.pod("writer").getAffinity().getNodeAffinity() != null);
        assertEquals("ingest-critical", chart.pod("gateway").getPriorityClassName());
        assertEquals("analytics", chart.pod("writer").getPriorityClassName());
        assertEquals("analytics", chart.pod("migrate").getPriorityClassName());
    }

    /** A shared constraint cannot know a tier's labels: the chart fills in the tier's selector. */
    @Test
    void topologySpreadConstraintsWithoutSelectorSpreadTheirTiersPods() {
        List<TopologySpreadConstraint> gateway = chart.pod("gateway").getTopologySpreadConstraints();
        assertEquals(2, gateway.size());
        assertEquals(chart.deployment("gateway").getSpec().getSelector().getMatchLabels(), gateway.getFirst().getLabelSelector().getMatchLabels());
        assertEquals(Map.of("custom", "selector"), gateway.get(1).getLabelSelector().getMatchLabels());
        TopologySpreadConstraint writer = chart.pod("writer").getTopologySpreadConstraints().getFirst();
        assertEquals(chart.deployment("writer").getSpec().getSelector().getMatchLabels(), writer.getLabelSelector().getMatchLabels());
        assertEquals("topology.kubernetes.io/zone", writer.getTopologyKey());
    }

    @Test
    void nothingExtraByDefault() {
        Rendered defaults = Chart.renderWithRequired();
        for (String name : List.of("gateway", "writer", "migrate")) {
            PodSpec pod = defaults.pod(name);
            assertNull(pod.getPriorityClassName(), name);
            assertTrue(pod.getTopologySpreadConstraints() == null || pod.getTopologySpreadConstraints().isEmpty(), name);
            assertEquals(List.of("tmp"), volumes(pod), name);
        }
        assertTrue(defaults.container("gateway").getEnv() == null || defaults.container("gateway").getEnv().isEmpty());
    }

    private static List<String> names(Container container) {
        return container.getEnv().stream().map(EnvVar::getName).toList();
    }

    private static List<String> volumes(PodSpec pod) {
        return pod.getVolumes().stream().map(Volume::getName).toList();
    }

    private static List<String> mounts(Container container) {
        return container.getVolumeMounts().stream().map(VolumeMount::getMountPath).toList();
    }
}
