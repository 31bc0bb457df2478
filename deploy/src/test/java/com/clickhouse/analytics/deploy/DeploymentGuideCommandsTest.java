package com.clickhouse.analytics.deploy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The commands of the deployment guide, value for value (plus the Kafka bootstrap servers, which
 * the chart requires). {@code helm upgrade --install} renders exactly what {@code helm template}
 * does with the same values, so each command is checked by rendering.
 */
class DeploymentGuideCommandsTest {
    private static final String DIGEST = "sha256:" + "0123456789abcdef".repeat(4);

    /** helm template cpa ./deploy/helm/clickhouse-product-analytics --set ingest.publicApiKeys=local_dev_key ... */
    @Test
    void renderLocally() {
        Rendered chart = Chart.render(
                "ingest.publicApiKeys=local_dev_key",
                "clickhouse.url=http://clickhouse:8123",
                "clickhouse.user=analytics",
                "clickhouse.password=local_dev_password",
                Chart.KAFKA_BOOTSTRAP);

        assertEquals(Map.of("PUBLIC_API_KEYS", "local_dev_key"), gatewaySecret(chart));
        assertEquals(Map.of("CLICKHOUSE_USER", "analytics", "CLICKHOUSE_PASSWORD", "local_dev_password"),
                Rendered.values(chart.get(Secret.class, Chart.name("clickhouse"))));
        assertEquals("http://clickhouse:8123", chart.config("writer").get("CLICKHOUSE_URL"));

        assertEquals(List.of(Chart.name("gateway"), Chart.name("gateway")), Workloads.envFromNames(chart.container("gateway")),
                "gateway: its ConfigMap and its Secret");
        assertEquals(List.of(Chart.name("writer"), Chart.name("clickhouse")), Workloads.envFromNames(chart.container("writer")),
                "writer: its ConfigMap and the ClickHouse credentials");
        assertFalse(Workloads.envFromNames(chart.container("gateway")).contains(Chart.name("clickhouse")),
                "the gateway never gets ClickHouse credentials");
    }

    /** helm upgrade --install ... image.tag=sha-<commit>, ingest.publicApiKeys="<old>,<new>" (rotation), ... */
    @Test
    void installWithTagAndRotatedKeys() {
        Rendered chart = Chart.render(
                "image.repository=ghcr.io/acme/cpa",
                "image.tag=sha-4f2c9e1",
                "ingest.publicApiKeys=pk_old,pk_new",
                "ingest.allowedOrigins=https://app.example.com",
                "clickhouse.url=https://abc123.eu-west-1.aws.clickhouse.cloud:8443",
                "clickhouse.database=product_analytics",
                "clickhouse.user=ingest",
                "clickhouse.password=s3cret",
                Chart.KAFKA_BOOTSTRAP);

        assertEquals("ghcr.io/acme/cpa:sha-4f2c9e1", chart.container("gateway").getImage());
        assertEquals("ghcr.io/acme/cpa:sha-4f2c9e1", chart.container("writer").getImage());
        assertEquals("ghcr.io/acme/cpa:sha-4f2c9e1", chart.container("migrate").getImage());
        assertEquals("pk_old,pk_new", gatewaySecret(chart).get("PUBLIC_API_KEYS"));
        assertEquals("https://app.example.com", chart.config("gateway").get("ALLOWED_ORIGINS"));
        assertEquals("https://abc123.eu-west-1.aws.clickhouse.cloud:8443", chart.config("writer").get("CLICKHOUSE_URL"));
        assertEquals("product_analytics", chart.config("writer").get("CLICKHOUSE_DATABASE"));
        assertEquals("https://abc123.eu-west-1.aws.clickhouse.cloud:8443", Workloads.env(chart.container("migrate"), "CLICKHOUSE_URL").getValue());
        assertEquals("product_analytics", Workloads.env(chart.container("migrate"), "CLICKHOUSE_DATABASE").getValue());
        assertEquals(Map.of("CLICKHOUSE_USER", "ingest", "CLICKHOUSE_PASSWORD", "s3cret"),
                Rendered.values(chart.get(Secret.class, Chart.name("clickhouse"))));
    }

    /** The same rotation written as a list in a values file (or --set 'ingest.publicApiKeys={old,new}'). */
    @Test
    void rotatedKeysAsAList(@TempDir Path dir) throws IOException {
        Path values = Files.writeString(dir.resolve("values.yaml"), """
                ingest:
                  publicApiKeys: [pk_old, pk_new]
                  allowedOrigins: [https://app.example.com, https://www.example.com]
                """);
        Rendered chart = Chart.render(values, Chart.CLICKHOUSE_URL, Chart.KAFKA_BOOTSTRAP);
        assertEquals("pk_old,pk_new", gatewaySecret(chart).get("PUBLIC_API_KEYS"));
        assertEquals("https://app.example.com,https://www.example.com", chart.config("gateway").get("ALLOWED_ORIGINS"));
    }

    /** Browser-only: no key at all, origins only. */
    @Test
    void publicApiKeysMayBeEmpty() {
        Rendered chart = Chart.render(Chart.CLICKHOUSE_URL, Chart.KAFKA_BOOTSTRAP, "ingest.allowedOrigins=https://app.example.com");
        assertEquals(Map.of("PUBLIC_API_KEYS", ""), gatewaySecret(chart));
    }

    /** --set clickhouse.existingSecret=clickhouse-credentials */
    @Test
    void existingSecretSuppliesCredentialsByTheDefaultKeys() {
        Rendered chart = Chart.render(
                "ingest.publicApiKeys=<publishable-key>",
                "clickhouse.url=https://abc123.clickhouse.cloud:8443",
                "clickhouse.existingSecret=clickhouse-credentials",
                Chart.KAFKA_BOOTSTRAP);

        assertCredentialsFrom(chart.container("writer"), "clickhouse-credentials", "username", "password");
        assertCredentialsFrom(chart.container("migrate"), "clickhouse-credentials", "username", "password");
        assertNoSecretHoldsClickHouseCredentials(chart);
        assertEquals(List.of(Chart.name("writer")), Workloads.envFromNames(chart.container("writer")));
    }

    @Test
    void existingSecretKeysCanBeRenamed() {
        Rendered chart = Chart.renderWithRequired(
                "clickhouse.existingSecret=clickhouse-credentials",
                "clickhouse.existingSecretUserKey=user",
                "clickhouse.existingSecretPasswordKey=pass");

        assertCredentialsFrom(chart.container("writer"), "clickhouse-credentials", "user", "pass");
        assertCredentialsFrom(chart.container("migrate"), "clickhouse-credentials", "user", "pass");
    }

    /** --set image.digest=sha256:<digest>: pinned by digest, the tag ignored. */
    @Test
    void digestPinsTheImageAndOverridesTheTag() {
        Rendered chart = Chart.render(
                "image.repository=ghcr.io/acme/cpa",
                "image.tag=sha-4f2c9e1",
                "image.digest=" + DIGEST,
                "ingest.publicApiKeys=<publishable-key>",
                "clickhouse.url=https://abc123.clickhouse.cloud:8443",
                "clickhouse.existingSecret=clickhouse-credentials",
                Chart.KAFKA_BOOTSTRAP);

        String pinned = "ghcr.io/acme/cpa@" + DIGEST;
        assertEquals(pinned, chart.container("gateway").getImage());
        assertEquals(pinned, chart.container("writer").getImage());
        assertEquals(pinned, chart.container("migrate").getImage());
    }

    private static void assertCredentialsFrom(Container container, String secret, String userKey, String passwordKey) {
        SecretKeySelector user = Workloads.env(container, "CLICKHOUSE_USER").getValueFrom().getSecretKeyRef();
        SecretKeySelector password = Workloads.env(container, "CLICKHOUSE_PASSWORD").getValueFrom().getSecretKeyRef();
        assertEquals(secret, user.getName(), container.getName());
        assertEquals(userKey, user.getKey(), container.getName());
        assertEquals(secret, password.getName(), container.getName());
        assertEquals(passwordKey, password.getKey(), container.getName());
    }

    private static void assertNoSecretHoldsClickHouseCredentials(Rendered chart) {
        for (Secret secret : chart.allIncludingHooks(Secret.class)) {
            Map<String, String> values = Rendered.values(secret);
            assertFalse(values.containsKey("CLICKHOUSE_USER") || values.containsKey("CLICKHOUSE_PASSWORD"),
                    secret.getMetadata().getName() + " holds ClickHouse credentials");
        }
        assertFalse(chart.has("Secret", Chart.name("clickhouse")));
        assertFalse(chart.hasHook("Secret", Chart.name("migrate")));
    }

    private static Map<String, String> gatewaySecret(Rendered chart) {
        return Rendered.values(chart.get(Secret.class, Chart.name("gateway")));
    }
}
