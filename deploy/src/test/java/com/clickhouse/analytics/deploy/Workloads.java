package com.clickhouse.analytics.deploy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.autoscaling.v2.ResourceMetricSource;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Reading the parts of rendered objects that several tests check. */
final class Workloads {
    private Workloads() {}

    /** A container's own env entry by name; fails the test if it has none. */
    static EnvVar env(Container container, String name) {
        return container.getEnv().stream().filter(e -> name.equals(e.getName())).findFirst()
                .orElseThrow(() -> new AssertionError(container.getName() + " has no env " + name + ": " + container.getEnv()));
    }

    /** The ConfigMaps and Secrets a container loads whole, in order (later ones win). */
    static List<String> envFromNames(Container container) {
        return container.getEnvFrom().stream()
                .map(source -> source.getConfigMapRef() != null ? source.getConfigMapRef().getName()
                        : source.getSecretRef().getName())
                .toList();
    }

    /** An HPA's utilization targets by resource: {cpu=70, memory=80}. */
    static Map<String, Integer> utilizationTargets(HorizontalPodAutoscaler hpa) {
        return hpa.getSpec().getMetrics().stream()
                .filter(metric -> "Resource".equals(metric.getType()))
                .map(MetricSpec::getResource)
                .collect(Collectors.toMap(ResourceMetricSource::getName, r -> r.getTarget().getAverageUtilization()));
    }
}
