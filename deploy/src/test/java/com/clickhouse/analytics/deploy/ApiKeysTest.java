package com.clickhouse.analytics.deploy;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gateway's keys: written on the real {@code helm} command line (whose {@code --set} parser
 * splits at commas before the chart sees the value), or read from an existing Secret.
 */
class ApiKeysTest {

    /** The forms the chart README and NOTES.txt show, each through the Helm 4 CLI, as a user types them. */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', textBlock = """
            --set      | ingest.publicApiKeys=pk_old\\,pk_new
            --set      | ingest.publicApiKeys={pk_old,pk_new}
            --set-json | ingest.publicApiKeys="pk_old,pk_new"
            --set-json | ingest.publicApiKeys=["pk_old","pk_new"]
            """)
    void rotationFormsOfTheCommandLineGiveBothKeys(String flag, String setting) {
        String output = Tools.helm("template", Chart.RELEASE, Chart.DIR.toString(),
                "--set", Chart.CLICKHOUSE_URL, "--set", Chart.KAFKA_BOOTSTRAP, flag, setting).requireSuccess().output();
        Rendered chart = new Rendered(Chart.documents(output), List.of());
        assertEquals("pk_old,pk_new", Rendered.values(chart.get(Secret.class, Chart.name("gateway"))).get("PUBLIC_API_KEYS"));
    }

    /** The seed's form: Helm itself rejects it, which is why the README shows the others. */
    @Test
    void anUnescapedCommaIsSplitByHelm() {
        Tools.Run run = Tools.helm("template", Chart.RELEASE, Chart.DIR.toString(),
                "--set", Chart.CLICKHOUSE_URL, "--set", Chart.KAFKA_BOOTSTRAP, "--set", "ingest.publicApiKeys=pk_old,pk_new");
        assertTrue(run.exitCode() != 0, run.output());
        assertTrue(run.output().contains("key \"pk_new\" has no value"), run.output());
    }

    @Test
    void existingSecretSuppliesTheKeysAndTheChartMakesNoSecretForThem() {
        Rendered chart = Chart.render(Chart.CLICKHOUSE_URL, Chart.KAFKA_BOOTSTRAP,
                "ingest.existingSecret=gateway-keys", "ingest.existingSecretKey=keys");
        SecretKeySelector keys = Workloads.env(chart.container("gateway"), "PUBLIC_API_KEYS").getValueFrom().getSecretKeyRef();
        assertEquals("gateway-keys", keys.getName());
        assertEquals("keys", keys.getKey());
        assertFalse(chart.has("Secret", Chart.name("gateway")));
        assertEquals(List.of(Chart.name("gateway")), Workloads.envFromNames(chart.container("gateway")));
    }

    @Test
    void existingSecretKeyDefaultsToTheVariableName() {
        Rendered chart = Chart.render(Chart.CLICKHOUSE_URL, Chart.KAFKA_BOOTSTRAP, "ingest.existingSecret=gateway-keys");
        assertEquals("PUBLIC_API_KEYS",
                Workloads.env(chart.container("gateway"), "PUBLIC_API_KEYS").getValueFrom().getSecretKeyRef().getKey());
    }
}
