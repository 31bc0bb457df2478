package com.clickhouse.analytics.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * {@code ./cpa bench} runs and lists the benchmarks from a table in the {@code cpa} script; this
 * holds the table and this module to each other, so a new benchmark main cannot be left out of
 * the list, nor a listed one renamed away. It runs no benchmark.
 */
class BenchmarkListTest {

    record Entry(String name, String mainClass, String jvmOptions, String description) {
    }

    @Test
    void cpaListsEveryBenchmarkMainOfThisModuleOnce() throws Exception {
        List<Entry> table = table(Path.of("..", "cpa"));
        assertFalse(table.isEmpty(), "no benchmark table in cpa");
        Set<String> names = new TreeSet<>();
        Set<String> listed = new TreeSet<>();
        for (Entry e : table) {
            assertTrue(names.add(e.name()), "listed twice: " + e.name());
            assertTrue(listed.add(e.mainClass()), "main listed twice: " + e.mainClass());
            assertFalse(e.description().isBlank(), "no description for " + e.name());
            assertTrue(e.name().matches("[a-z][a-z0-9]*"), "not a plain name: " + e.name());
        }
        assertEquals(mainsIn(classesRoot()), listed, "the benchmark mains of bench/ against the table in cpa");
    }

    /** The lines between {@code cat <<'TABLE'} and {@code TABLE}: {@code name|main class|JVM options|description}. */
    static List<Entry> table(Path cpa) throws IOException {
        List<Entry> out = new ArrayList<>();
        boolean inside = false;
        for (String line : Files.readAllLines(cpa)) {
            if (line.strip().equals("cat <<'TABLE'")) {
                inside = true;
            } else if (inside && line.equals("TABLE")) {
                return out;
            } else if (inside) {
                String[] f = line.split("\\|", -1);
                assertEquals(4, f.length, "not name|main|jvm|description: " + line);
                out.add(new Entry(f[0], f[1], f[2], f[3]));
            }
        }
        throw new AssertionError("no TABLE block in " + cpa);
    }

    /** Every class under {@code root} (this module's test classes) with a {@code public static void main(String[])}. */
    static Set<String> mainsIn(Path root) throws IOException, ClassNotFoundException {
        Set<String> mains = new TreeSet<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                String name = root.relativize(f).toString().replace(f.getFileSystem().getSeparator(), ".").replaceAll("\\.class$", "");
                Class<?> c = Class.forName(name, false, BenchmarkListTest.class.getClassLoader());
                if (hasMain(c)) {
                    mains.add(name);
                }
            }
        }
        return mains;
    }

    private static boolean hasMain(Class<?> c) {
        try {
            Method main = c.getDeclaredMethod("main", String[].class);
            return Modifier.isPublic(main.getModifiers()) && Modifier.isStatic(main.getModifiers()) && main.getReturnType() == void.class;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    private static Path classesRoot() throws URISyntaxException {
        return Path.of(BenchmarkListTest.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }
}
