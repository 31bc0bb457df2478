package com.clickhouse.analytics.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * deploy/monitoring/metric-names.txt is exactly the set of metrics the rules and the dashboard
 * name, and every one of them is declared in the main sources of the tier its prefix names. The
 * gateway builds its names as {@code PREFIX + "requests_total"} (PREFIX = "cpa_gateway_"), the
 * writer spells them out; either way the name without the tier prefix appears there as the start
 * of a string literal. A test against the running services can read the same list.
 */
class MonitoringMetricNamesTest {
    private static final Path LIST = Path.of("monitoring/metric-names.txt");
    private static final Pattern NAME = Pattern.compile("\\bcpa_(gateway|writer)_[a-z_]+");

    @Test
    void theListIsWhatTheRulesAndTheDashboardUse() throws IOException {
        Set<String> used = new TreeSet<>();
        for (Path file : List.of(MonitoringTest.RULES, MonitoringTest.DASHBOARD)) {
            Matcher names = NAME.matcher(Files.readString(file));
            while (names.find()) {
                used.add(names.group());
            }
        }
        assertEquals(used, listed());
    }

    @Test
    void everyListedNameIsDeclaredByItsService() {
        List<String> missing = new ArrayList<>();
        for (String name : listed()) {
            String tier = name.startsWith("cpa_gateway_") ? "gateway" : "writer";
            String rest = name.substring(("cpa_" + tier + "_").length());
            String sources = mainSources(tier);
            if (!sources.contains("\"" + name) && !sources.contains("\"" + rest)) {
                missing.add(name);
            }
        }
        assertEquals(List.of(), missing, "metrics the rules or the dashboard use that no service declares");
    }

    private static Set<String> listed() {
        try (Stream<String> lines = Files.lines(LIST)) {
            Set<String> names = new TreeSet<>(lines.map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList());
            assertTrue(names.size() > 10, names.toString());
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String mainSources(String tier) {
        try (Stream<Path> files = Files.walk(Tools.REPOSITORY.resolve(tier).resolve("src/main/java"))) {
            StringBuilder all = new StringBuilder();
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                all.append(Files.readString(file)).append('\n');
            }
            return all.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
