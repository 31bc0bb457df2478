package com.clickhouse.analytics.deploy;

import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The writer's enrichment values: its settings, and a GeoIP database mounted from a Secret or any volume. */
class GeoIpDatabaseTest {

    @Test
    void defaultsAreTheWritersOwnAndMountNoDatabase() {
        Rendered chart = Chart.renderWithRequired();
        Map<String, String> env = chart.config("writer");
        assertEquals("true", env.get("ENRICH_USER_AGENTS"));
        assertEquals("store", env.get("IP_MODE"));
        assertEquals("false", env.get("DROP_BOTS"));
        assertEquals("", env.get("BOT_PATTERNS"));
        assertFalse(env.containsKey("GEOIP_DATABASE"), "no database: no geo properties");
        assertTrue(chart.pod("writer").getVolumes().stream().noneMatch(v -> v.getName().equals("geoip")));
        assertFalse(chart.config("gateway").containsKey("IP_MODE"), "enrichment is the writer's");
    }

    @Test
    void settingsReachTheWriter() {
        Map<String, String> env = Chart.renderWithRequired("writer.enrichment.userAgents=false", "writer.enrichment.ipMode=truncate",
                "writer.enrichment.dropBots=true", "writer.enrichment.botPatterns=uptime-probe|monitor").config("writer");
        assertEquals("false", env.get("ENRICH_USER_AGENTS"));
        assertEquals("truncate", env.get("IP_MODE"));
        assertEquals("true", env.get("DROP_BOTS"));
        assertEquals("uptime-probe|monitor", env.get("BOT_PATTERNS"));
    }

    @Test
    void aSecretIsMountedReadOnlyAndNamedInGeoipDatabase() {
        Rendered chart = Chart.renderWithRequired("writer.enrichment.geoip.secretName=geoip",
                "writer.enrichment.geoip.files=city-ipv4.mmdb,city-ipv6.mmdb");
        assertEquals("/etc/cpa/geoip/city-ipv4.mmdb,/etc/cpa/geoip/city-ipv6.mmdb", chart.config("writer").get("GEOIP_DATABASE"));
        Volume volume = volume(chart.pod("writer"), "geoip");
        assertEquals("geoip", volume.getSecret().getSecretName());
        // The whole directory, no subPath: the kubelet then swaps a Secret's new content in, and the writer reloads it.
        VolumeMount mount = mount(chart, "geoip");
        assertEquals("/etc/cpa/geoip", mount.getMountPath());
        assertTrue(mount.getReadOnly());
        assertNull(mount.getSubPath());
        assertTrue(chart.pod("migrate").getVolumes().stream().noneMatch(v -> v.getName().equals("geoip")), "only the writer");
    }

    @Test
    void anyVolumeSourceServes(@TempDir Path dir) throws Exception {
        Path values = dir.resolve("values.yaml");
        Files.writeString(values, """
                writer:
                  enrichment:
                    geoip:
                      volume:
                        persistentVolumeClaim:
                          claimName: geoip-data
                          readOnly: true
                """);
        Rendered chart = Chart.render(values, Chart.withRequired());
        assertEquals("/etc/cpa/geoip/GeoLite2-City.mmdb", chart.config("writer").get("GEOIP_DATABASE"), "the default file name");
        Volume volume = volume(chart.pod("writer"), "geoip");
        assertEquals("geoip-data", volume.getPersistentVolumeClaim().getClaimName());
        assertNull(volume.getSecret());
        assertTrue(mount(chart, "geoip").getReadOnly());
    }

    @Test
    void oneSourceAndNamedFiles() {
        String both = Chart.failure(Chart.withRequired("writer.enrichment.geoip.secretName=geoip",
                "writer.enrichment.geoip.volume.emptyDir.medium=Memory"));
        assertTrue(both.contains("writer.enrichment.geoip: set secretName or volume, not both"), both);
        String noFiles = Chart.failure(Chart.withRequired("writer.enrichment.geoip.secretName=geoip", "writer.enrichment.geoip.files="));
        assertTrue(noFiles.contains("writer.enrichment.geoip.files"), noFiles);
        String badMode = Chart.failure(Chart.withRequired("writer.enrichment.ipMode=hash"));
        assertTrue(badMode.contains("ipMode"), badMode);
    }

    private static Volume volume(PodSpec pod, String name) {
        return pod.getVolumes().stream().filter(v -> name.equals(v.getName())).findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + name + " in " + pod.getVolumes()));
    }

    private static VolumeMount mount(Rendered chart, String name) {
        return chart.container("writer").getVolumeMounts().stream().filter(m -> name.equals(m.getName())).findFirst()
                .orElseThrow(() -> new AssertionError("the writer mounts no " + name));
    }
}
