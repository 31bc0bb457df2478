package com.clickhouse.analytics.deploy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The schema migration Job: a pre-install/pre-upgrade hook that can run before any of the
 * release's own objects exist.
 */
class MigrationJobTest {
    private final Rendered chart = Chart.renderWithRequired(
            "clickhouse.user=analytics", "clickhouse.password=local_dev_password", "clickhouse.database=pa");

    @Test
    void isAPreInstallAndPreUpgradeHookDeletedOnceItSucceeded() {
        Map<String, String> annotations = chart.migrationJob().getMetadata().getAnnotations();
        assertEquals("pre-install,pre-upgrade", annotations.get("helm.sh/hook"));
        assertEquals("before-hook-creation,hook-succeeded", annotations.get("helm.sh/hook-delete-policy"));
        assertFalse(chart.has("Job", Chart.name("migrate")), "Helm must treat the Job as a hook, not a release object");
    }

    @Test
    void runsTheMigrateEntryPointOfTheServiceImageOnce() {
        Job job = chart.migrationJob();
        PodSpec pod = job.getSpec().getTemplate().getSpec();
        Container migrate = chart.container("migrate");
        assertEquals(List.of("migrate"), migrate.getArgs());
        assertEquals(chart.container("writer").getImage(), migrate.getImage());
        assertEquals("Never", pod.getRestartPolicy());
        assertTrue(job.getSpec().getBackoffLimit() >= 0);
        assertTrue(job.getSpec().getActiveDeadlineSeconds() > 0, "a hung migration must not block the upgrade forever");
    }

    @Test
    void getsClickHouseSettingsInlineBecauseTheReleaseConfigMapDoesNotExistYet() {
        Container migrate = chart.container("migrate");
        assertEquals("http://clickhouse:8123", Workloads.env(migrate, "CLICKHOUSE_URL").getValue());
        assertEquals("pa", Workloads.env(migrate, "CLICKHOUSE_DATABASE").getValue());
        assertFalse(Workloads.envFromNames(migrate).contains(Chart.name("writer")));
        assertFalse(Workloads.envFromNames(migrate).contains(Chart.name("clickhouse")));
    }

    /** The credentials Secret is a hook too, created before the Job and removed with it. */
    @Test
    void readsCredentialsFromAHookSecretCreatedBeforeIt() {
        Container migrate = chart.container("migrate");
        assertEquals(List.of(Chart.name("migrate")), Workloads.envFromNames(migrate));

        Secret secret = chart.hook(Secret.class, Chart.name("migrate"));
        assertEquals(Map.of("CLICKHOUSE_USER", "analytics", "CLICKHOUSE_PASSWORD", "local_dev_password"),
                Rendered.values(secret));
        Map<String, String> secretHook = secret.getMetadata().getAnnotations();
        Map<String, String> jobHook = chart.migrationJob().getMetadata().getAnnotations();
        assertEquals(jobHook.get("helm.sh/hook"), secretHook.get("helm.sh/hook"));
        assertTrue(Integer.parseInt(secretHook.get("helm.sh/hook-weight")) < Integer.parseInt(jobHook.get("helm.sh/hook-weight")),
                "the Secret must exist before the Job starts");
        assertEquals("before-hook-creation,hook-succeeded", secretHook.get("helm.sh/hook-delete-policy"));
        assertFalse(chart.has("Secret", Chart.name("migrate")));
    }

    /** A ServiceAccount the chart creates does not exist yet during pre-install. */
    @Test
    void usesNoServiceAccountTheReleaseCreates() {
        PodSpec pod = chart.migrationJob().getSpec().getTemplate().getSpec();
        assertNull(pod.getServiceAccountName());
        assertFalse(pod.getAutomountServiceAccountToken());

        Rendered existing = Chart.renderWithRequired("serviceAccount.create=false", "serviceAccount.name=analytics-sa");
        assertEquals("analytics-sa", existing.migrationJob().getSpec().getTemplate().getSpec().getServiceAccountName());
        assertEquals("analytics-sa", existing.deployment("writer").getSpec().getTemplate().getSpec().getServiceAccountName());
    }

    @Test
    void canBeTurnedOff() {
        Rendered off = Chart.renderWithRequired("migration.enabled=false");
        assertFalse(off.hasHook("Job", Chart.name("migrate")));
        assertFalse(off.hasHook("Secret", Chart.name("migrate")));
        assertEquals("false", off.config("writer").get("MIGRATE_ON_START"), "turning the hook off never makes replicas migrate");
    }
}
