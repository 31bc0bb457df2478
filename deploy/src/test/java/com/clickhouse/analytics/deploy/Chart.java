package com.clickhouse.analytics.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The chart under test, rendered with real Helm (helm-java embeds Helm 3) and parsed into
 * {@link Rendered} objects.
 *
 * <p>Settings are written as on the command line, {@code "key=value"} for {@code --set key=value},
 * and typed the same way ({@code 3} is a number, {@code true} a boolean). One difference: helm-java
 * escapes commas and braces in values, so {@code "ingest.publicApiKeys=old,new"} is the CLI's
 * {@code --set ingest.publicApiKeys=old\,new}.
 *
 * <p>Hooks: helm-java's {@code template} returns the release manifest only and drops hooks, which
 * {@code helm template} prints. To see the migration Job and its Secret, the chart is rendered from
 * a copy under {@code target/} that has one extra template: a ConfigMap holding the text of every
 * template file as Helm rendered it. Documents in it that carry a {@code helm.sh/hook} annotation
 * are the hooks, exactly as Helm classifies them; the ConfigMap itself is left out of the results.
 */
final class Chart {
    static final Path DIR = Path.of("helm/clickhouse-product-analytics");
    static final String RELEASE = "cpa";
    static final String FULLNAME = "cpa-clickhouse-product-analytics";
    /** The settings without which the chart refuses to render: ClickHouse, Kafka and a way to authenticate. */
    static final String CLICKHOUSE_URL = "clickhouse.url=http://clickhouse:8123";
    static final String KAFKA_BOOTSTRAP = "kafka.bootstrapServers=kafka:9092";
    static final String API_KEYS = "ingest.publicApiKeys=test_key";

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final String PROBE = "zz-test-rendered-templates";
    private static Path probeChart;

    private Chart() {}

    /** The name of a tier's objects: {@code cpa-clickhouse-product-analytics-gateway}. */
    static String name(String tier) {
        return FULLNAME + "-" + tier;
    }

    /** Renders with the required settings ({@link #CLICKHOUSE_URL}, {@link #KAFKA_BOOTSTRAP}, {@link #API_KEYS}) plus {@code settings}. */
    static Rendered renderWithRequired(String... settings) {
        return render(null, withRequired(settings));
    }

    /** The required settings, then {@code settings} (which may override them). */
    static String[] withRequired(String... settings) {
        return Stream.concat(Stream.of(CLICKHOUSE_URL, KAFKA_BOOTSTRAP, API_KEYS), Stream.of(settings)).toArray(String[]::new);
    }

    static Rendered render(String... settings) {
        return render(null, settings);
    }

    /** Renders like {@code helm template cpa <chart> [-f valuesFile] --set ...}. */
    static Rendered render(Path valuesFile, String... settings) {
        String output = template(valuesFile, settings).call();
        List<JsonNode> manifests = new ArrayList<>();
        List<JsonNode> hooks = new ArrayList<>();
        for (JsonNode document : documents(output)) {
            if (isProbe(document)) {
                document.path("data").forEach(text -> documents(text.asText()).stream()
                        .filter(Chart::isHook)
                        .forEach(hooks::add));
            } else {
                manifests.add(document);
            }
        }
        return new Rendered(manifests, hooks);
    }

    /** The message of a rendering that must fail; fails the test if rendering succeeds. */
    static String failure(String... settings) {
        try {
            template(null, settings).call();
        } catch (IllegalStateException e) {
            return e.getMessage();
        }
        return fail("expected rendering to fail with " + List.of(settings));
    }

    static LintResult lint() {
        return new Helm(DIR).lint().strict().call();
    }

    /**
     * The release notes, from a client-only dry-run install (the only helm-java command that
     * renders NOTES.txt).
     */
    static String notes(String... settings) {
        var install = new Helm(DIR).install().withName(RELEASE).withNamespace("analytics").clientOnly().dryRun();
        for (String setting : settings) {
            install.set(key(setting), value(setting));
        }
        String output = install.call().getOutput();
        int notes = output.indexOf("NOTES:");
        if (notes < 0) {
            return fail("no NOTES in the install output:\n" + output);
        }
        return output.substring(notes);
    }

    private static TemplateCommand template(Path valuesFile, String... settings) {
        TemplateCommand template = new Helm(probeChart()).template().withName(RELEASE);
        if (valuesFile != null) {
            template.withValuesFile(valuesFile);
        }
        for (String setting : settings) {
            template.set(key(setting), value(setting));
        }
        return template;
    }

    private static String key(String setting) {
        int equals = setting.indexOf('=');
        if (equals < 1) {
            throw new IllegalArgumentException("not key=value: " + setting);
        }
        return setting.substring(0, equals);
    }

    private static String value(String setting) {
        return setting.substring(setting.indexOf('=') + 1);
    }

    static List<JsonNode> documents(String yaml) {
        try (var documents = YAML.readerFor(JsonNode.class).<JsonNode>readValues(yaml)) {
            return documents.readAll().stream().filter(d -> d != null && d.isObject()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("rendered output is not YAML:\n" + yaml, e);
        }
    }

    private static boolean isHook(JsonNode document) {
        return document.path("metadata").path("annotations").has("helm.sh/hook");
    }

    private static boolean isProbe(JsonNode document) {
        return "ConfigMap".equals(document.path("kind").asText())
                && PROBE.equals(document.path("metadata").path("name").asText());
    }

    /** A fresh copy of the chart plus the probe template, made once per test run. */
    private static synchronized Path probeChart() {
        if (probeChart == null) {
            try {
                Path copy = Path.of("target", PROBE, DIR.getFileName().toString());
                deleteRecursively(copy.getParent());
                copyRecursively(DIR, copy);
                Files.writeString(copy.resolve("templates").resolve(PROBE + ".yaml"), probeTemplate(copy));
                probeChart = copy;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return probeChart;
    }

    private static String probeTemplate(Path chart) throws IOException {
        var template = new StringBuilder("""
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: %s
                data:
                """.formatted(PROBE));
        try (Stream<Path> files = Files.list(chart.resolve("templates"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                String name = file.getFileName().toString();
                template.append("  %s: {{ include (print $.Template.BasePath \"/%s\") . | quote }}\n"
                        .formatted(name, name));
            }
        }
        return template.toString();
    }

    private static void copyRecursively(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path path : paths.toList()) {
                Path target = to.resolve(from.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(path, target);
                }
            }
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
    }
}
