package com.clickhouse.analytics.deploy;

import com.marcnuri.helm.LintResult;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** helm lint --strict on the chart as shipped, with its default values, by Helm 3 (helm-java) and the Helm 4 CLI. */
class LintTest {

    @Test
    void lintIsClean() {
        LintResult lint = Chart.lint();
        assertFalse(lint.isFailed(), String.join("\n", lint.getMessages()));
        for (String message : lint.getMessages()) {
            assertFalse(message.contains("[WARNING]") || message.contains("[ERROR]"), message);
        }
    }

    @Test
    void helm4LintIsCleanWithEverythingOn() {
        for (String[] settings : new String[][] {{}, Chart.withRequired("monitoring.serviceMonitor.enabled=true",
                "monitoring.podMonitor.enabled=true", "monitoring.prometheusRule.enabled=true",
                "monitoring.grafanaDashboard.enabled=true", "gateway.ingress.enabled=true", "networkPolicy.enabled=true",
                "writer.keda.enabled=true", "tls.caBundle.secretName=private-ca", "historicalWriter.enabled=true",
                "ingest.limits.keyRate=1000", "ingest.limits.distinctIdRate=20", "ingest.limits.overflowRate=50", "ingest.dropList=leaked",
                "ingest.historicalAfterDays=30")}) {
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("lint", "--strict", Chart.DIR.toString()));
            for (String setting : settings) {
                args.add("--set");
                args.add(setting);
            }
            Tools.Run lint = Tools.helm(args.toArray(String[]::new)).requireSuccess();
            assertFalse(lint.output().contains("[WARNING]") || lint.output().contains("[ERROR]"), lint.output());
        }
    }

    /** What the release workflow does before `helm push`: the chart packages, with the tag's version. */
    @Test
    void chartPackagesWithTheReleaseVersion(@TempDir Path dir) {
        Tools.helm("package", Chart.DIR.toString(), "--version", "1.2.3", "--app-version", "1.2.3",
                "--destination", dir.toString()).requireSuccess();
        assertTrue(Files.isRegularFile(dir.resolve("clickhouse-product-analytics-1.2.3.tgz")));
    }
}
