package com.clickhouse.analytics.deploy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every pod the chart runs: non-root, read-only root filesystem with a writable /tmp, no capabilities. */
class PodSecurityTest {
    private static final Rendered CHART = Chart.renderWithRequired();

    static Stream<String> pods() {
        return Stream.of("gateway", "writer", "migrate");
    }

    @ParameterizedTest
    @MethodSource("pods")
    void runsAsNonRootWithTheRuntimeDefaultSeccompProfile(String name) {
        PodSpec pod = CHART.pod(name);
        assertTrue(pod.getSecurityContext().getRunAsNonRoot());
        assertNotNull(pod.getSecurityContext().getRunAsUser());
        assertTrue(pod.getSecurityContext().getRunAsUser() > 0);
        assertEquals("RuntimeDefault", pod.getSecurityContext().getSeccompProfile().getType());
        assertFalse(pod.getAutomountServiceAccountToken(), "no pod talks to the Kubernetes API");
    }

    @ParameterizedTest
    @MethodSource("pods")
    void containersAreLockedDown(String name) {
        for (Container container : CHART.pod(name).getContainers()) {
            SecurityContext security = container.getSecurityContext();
            assertTrue(security.getReadOnlyRootFilesystem(), container.getName());
            assertFalse(security.getAllowPrivilegeEscalation(), container.getName());
            assertTrue(security.getRunAsNonRoot(), container.getName());
            assertEquals(List.of("ALL"), security.getCapabilities().getDrop(), container.getName());
            assertTrue(security.getCapabilities().getAdd() == null || security.getCapabilities().getAdd().isEmpty());
        }
    }

    @ParameterizedTest
    @MethodSource("pods")
    void tmpIsAWritableEmptyDir(String name) {
        PodSpec pod = CHART.pod(name);
        for (Container container : pod.getContainers()) {
            VolumeMount tmp = container.getVolumeMounts().stream()
                    .filter(m -> "/tmp".equals(m.getMountPath())).findFirst()
                    .orElseThrow(() -> new AssertionError(container.getName() + " has no /tmp mount"));
            assertFalse(Boolean.TRUE.equals(tmp.getReadOnly()));
            Volume volume = pod.getVolumes().stream().filter(v -> v.getName().equals(tmp.getName())).findFirst()
                    .orElseThrow(() -> new AssertionError("no volume " + tmp.getName()));
            assertNotNull(volume.getEmptyDir(), "/tmp must be an emptyDir");
        }
    }
}
