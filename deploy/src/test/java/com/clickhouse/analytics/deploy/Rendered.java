package com.clickhouse.analytics.deploy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * One rendering of the chart: the release manifests and, apart, the hooks, each a parsed YAML
 * document that converts to its fabric8 model type on request.
 */
record Rendered(List<JsonNode> manifests, List<JsonNode> hooks) {

    /** The release object of this type and name; fails the test if there is none. */
    <T extends HasMetadata> T get(Class<T> type, String name) {
        return find(manifests, type, name);
    }

    /** The hook of this type and name; fails the test if there is none. */
    <T extends HasMetadata> T hook(Class<T> type, String name) {
        return find(hooks, type, name);
    }

    <T extends HasMetadata> List<T> all(Class<T> type) {
        return manifests.stream().filter(d -> kindOf(type).equals(d.path("kind").asText()))
                .map(d -> convert(d, type)).toList();
    }

    /** An object of a kind the fabric8 model has no class for, such as KEDA's ScaledObject. */
    GenericKubernetesResource generic(String kind, String name) {
        return manifests.stream().filter(d -> matches(d, kind, name)).findFirst()
                .map(d -> convert(d, GenericKubernetesResource.class))
                .orElseGet(() -> fail("no " + kind + " " + name + " among " + names(manifests)));
    }

    boolean has(String kind, String name) {
        return manifests.stream().anyMatch(d -> matches(d, kind, name));
    }

    boolean hasHook(String kind, String name) {
        return hooks.stream().anyMatch(d -> matches(d, kind, name));
    }

    /** All release objects and hooks of this type, for checks that must hold everywhere. */
    <T extends HasMetadata> List<T> allIncludingHooks(Class<T> type) {
        return Stream.concat(manifests.stream(), hooks.stream())
                .filter(d -> kindOf(type).equals(d.path("kind").asText()))
                .map(d -> convert(d, type)).toList();
    }

    Deployment deployment(String tier) {
        return get(Deployment.class, Chart.name(tier));
    }

    HorizontalPodAutoscaler hpa(String tier) {
        return get(HorizontalPodAutoscaler.class, Chart.name(tier));
    }

    Job migrationJob() {
        return hook(Job.class, Chart.name("migrate"));
    }

    /** The pod of {@code gateway}, {@code writer} or {@code migrate} (the hook Job). */
    PodSpec pod(String name) {
        return name.equals("migrate")
                ? migrationJob().getSpec().getTemplate().getSpec()
                : deployment(name).getSpec().getTemplate().getSpec();
    }

    /** The one container of that pod. */
    Container container(String name) {
        List<Container> containers = pod(name).getContainers();
        assertEquals(1, containers.size(), name);
        return containers.getFirst();
    }

    /** The data of a tier's ConfigMap: the environment its pods get. */
    Map<String, String> config(String tier) {
        return get(ConfigMap.class, Chart.name(tier)).getData();
    }

    /** A Secret's values, whether written as stringData (as this chart does) or data. */
    static Map<String, String> values(Secret secret) {
        Map<String, String> values = new HashMap<>();
        if (secret.getData() != null) {
            secret.getData().forEach((k, v) ->
                    values.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
        }
        if (secret.getStringData() != null) {
            values.putAll(secret.getStringData());
        }
        return values;
    }

    private static <T extends HasMetadata> T find(List<JsonNode> documents, Class<T> type, String name) {
        return documents.stream().filter(d -> matches(d, kindOf(type), name)).findFirst()
                .map(d -> convert(d, type))
                .orElseGet(() -> fail("no " + kindOf(type) + " " + name + " among " + names(documents)));
    }

    private static boolean matches(JsonNode document, String kind, String name) {
        return kind.equals(document.path("kind").asText())
                && name.equals(document.path("metadata").path("name").asText());
    }

    private static String kindOf(Class<?> type) {
        return type.getSimpleName();
    }

    private static List<String> names(List<JsonNode> documents) {
        return documents.stream()
                .map(d -> d.path("kind").asText() + "/" + d.path("metadata").path("name").asText()).toList();
    }

    private static <T> T convert(JsonNode document, Class<T> type) {
        try {
            return Chart.YAML.treeToValue(document, type);
        } catch (JsonProcessingException e) {
            return fail("cannot read " + document + " as " + type.getSimpleName(), e);
        }
    }
}
