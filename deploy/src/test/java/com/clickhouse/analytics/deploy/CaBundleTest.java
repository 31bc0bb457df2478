package com.clickhouse.analytics.deploy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A private CA for ClickHouse and Kafka over TLS: mounted, and wired to what each client reads. */
class CaBundleTest {
    private static final String TRUST_STORE_OPTIONS = "-Djavax.net.ssl.trustStore=/etc/cpa/truststore/truststore.p12"
            + " -Djavax.net.ssl.trustStoreType=PKCS12 -Djavax.net.ssl.trustStorePassword=changeit";

    @Test
    void kafkaClientsOfBothTiersReadTheBundleAsAPemTrustStore() {
        Rendered chart = Chart.renderWithRequired("tls.caBundle.secretName=private-ca");
        for (String tier : List.of("gateway", "writer")) {
            Map<String, String> env = chart.config(tier);
            assertEquals("PEM", env.get("KAFKA_SSL_TRUSTSTORE_TYPE"), tier);
            assertEquals("/etc/cpa/ca/ca.crt", env.get("KAFKA_SSL_TRUSTSTORE_LOCATION"), tier);
            assertEquals("private-ca", volume(chart.pod(tier), "ca-bundle").getSecret().getSecretName(), tier);
            assertEquals("/etc/cpa/ca", mount(chart.container(tier), "ca-bundle").getMountPath(), tier);
            assertTrue(mount(chart.container(tier), "ca-bundle").getReadOnly(), tier);
        }
        assertFalse(chart.config("gateway").containsKey("JDK_JAVA_OPTIONS"), "the gateway has no ClickHouse client");
        assertTrue(chart.pod("gateway").getInitContainers() == null || chart.pod("gateway").getInitContainers().isEmpty());
    }

    /** The ClickHouse client uses the JVM's default trust store, built by an init container from the JDK's CAs plus the bundle. */
    @Test
    void clickHouseClientsTrustTheBundleThroughTheJvmTrustStore() {
        Rendered chart = Chart.renderWithRequired("tls.caBundle.configMapName=private-ca", "tls.caBundle.key=bundle.pem");
        assertEquals(TRUST_STORE_OPTIONS, chart.config("writer").get("JDK_JAVA_OPTIONS"));
        assertEquals(TRUST_STORE_OPTIONS, Workloads.env(chart.container("migrate"), "JDK_JAVA_OPTIONS").getValue());
        for (String name : List.of("writer", "migrate")) {
            PodSpec pod = chart.pod(name);
            assertEquals("private-ca", volume(pod, "ca-bundle").getConfigMap().getName(), name);
            assertTrue(volume(pod, "truststore").getEmptyDir() != null, name);
            Container init = pod.getInitContainers().getFirst();
            assertEquals(List.of("/etc/cpa/ca/bundle.pem", "/etc/cpa/truststore/truststore.p12"), init.getArgs(), name);
            assertEquals(chart.container(name).getImage(), init.getImage(), "keytool comes from the service image");
            assertTrue(init.getSecurityContext().getReadOnlyRootFilesystem(), name);
            assertFalse(Boolean.TRUE.equals(mount(init, "truststore").getReadOnly()), name);
            assertTrue(mount(chart.container(name), "truststore").getReadOnly(), name);
        }
        assertEquals("/etc/cpa/ca/bundle.pem", chart.config("writer").get("KAFKA_SSL_TRUSTSTORE_LOCATION"));
    }

    @Test
    void eachClientCanBeLeftOut() {
        Rendered chart = Chart.renderWithRequired("tls.caBundle.secretName=private-ca", "tls.caBundle.kafka=false");
        assertFalse(chart.config("writer").containsKey("KAFKA_SSL_TRUSTSTORE_LOCATION"));
        assertTrue(chart.config("writer").containsKey("JDK_JAVA_OPTIONS"));
        Rendered kafkaOnly = Chart.renderWithRequired("tls.caBundle.secretName=private-ca", "tls.caBundle.clickhouse=false");
        assertFalse(kafkaOnly.config("writer").containsKey("JDK_JAVA_OPTIONS"));
        assertTrue(kafkaOnly.pod("migrate").getInitContainers().isEmpty());
    }

    @Test
    void nothingWithoutABundleAndOneSourceOnly() {
        Rendered chart = Chart.renderWithRequired();
        assertFalse(chart.config("writer").containsKey("KAFKA_SSL_TRUSTSTORE_LOCATION"));
        assertFalse(chart.config("writer").containsKey("JDK_JAVA_OPTIONS"));
        String message = Chart.failure(Chart.withRequired("tls.caBundle.secretName=a", "tls.caBundle.configMapName=b"));
        assertTrue(message.contains("tls.caBundle: set secretName or configMapName, not both"), message);
    }

    /**
     * The init container's script (files/ca-truststore.sh) run here with this JDK's keytool on a
     * bundle of two private CAs: the store holds both and still the JDK's public CAs.
     */
    @Test
    void theTrustStoreScriptKeepsTheJdksCasAndAddsEveryCertificateOfTheBundle(@TempDir Path dir) throws IOException {
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        StringBuilder bundle = new StringBuilder();
        for (String ca : List.of("ca-one", "ca-two")) {
            Tools.run(dir, List.of(keytool, "-genkeypair", "-alias", ca, "-keyalg", "EC", "-dname", "CN=" + ca,
                    "-ext", "bc:c", "-keystore", ca + ".p12", "-storepass", "secret1"), 60).requireSuccess();
            bundle.append(Tools.run(dir, List.of(keytool, "-exportcert", "-rfc", "-alias", ca, "-keystore", ca + ".p12",
                    "-storepass", "secret1"), 60).requireSuccess().output());
        }
        Files.writeString(dir.resolve("bundle.pem"), bundle);
        Path script = Path.of("").toAbsolutePath().resolve(Chart.DIR).resolve("files/ca-truststore.sh");

        List<String> command = new ArrayList<>(List.of("env", "JAVA_HOME=" + System.getProperty("java.home"),
                "PATH=" + Path.of(System.getProperty("java.home"), "bin") + ":/usr/bin:/bin",
                "sh", script.toString(), "bundle.pem", "truststore.p12"));
        Tools.Run run = Tools.run(dir, command, 120).requireSuccess();
        assertTrue(run.output().contains("and 2 from bundle.pem"), run.output());

        String list = Tools.run(dir, List.of(keytool, "-list", "-keystore", "truststore.p12", "-storetype", "PKCS12",
                "-storepass", "changeit"), 60).requireSuccess().output();
        assertTrue(list.contains("cpa-ca-1,") && list.contains("cpa-ca-2,"), list);
        long entries = list.lines().filter(l -> l.contains("trustedCertEntry")).count();
        assertTrue(entries > 50, "the JDK's own CAs are kept: " + entries + " entries");

        Files.writeString(dir.resolve("empty.pem"), "not a certificate\n");
        Tools.Run empty = Tools.run(dir, List.of("env", "JAVA_HOME=" + System.getProperty("java.home"),
                "PATH=" + Path.of(System.getProperty("java.home"), "bin") + ":/usr/bin:/bin",
                "sh", script.toString(), "empty.pem", "other.p12"), 60);
        assertTrue(empty.exitCode() != 0 && empty.output().contains("no PEM certificate in empty.pem"), empty.output());
    }

    private static Volume volume(PodSpec pod, String name) {
        return pod.getVolumes().stream().filter(v -> name.equals(v.getName())).findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + name + " in " + pod.getVolumes()));
    }

    private static VolumeMount mount(Container container, String name) {
        return container.getVolumeMounts().stream().filter(m -> name.equals(m.getName())).findFirst()
                .orElseThrow(() -> new AssertionError(container.getName() + " mounts no " + name));
    }
}
