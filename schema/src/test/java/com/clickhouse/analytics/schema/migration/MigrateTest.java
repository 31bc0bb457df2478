package com.clickhouse.analytics.schema.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.clickhouse.analytics.testkit.TestClickHouse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code migrate} command as operators run it: a separate JVM running {@link Migrate#main},
 * configured by environment variables, judged by exit code and output.
 */
class MigrateTest {

    private TestClickHouse ch;
    private final List<Process> started = new ArrayList<>();

    @BeforeEach
    void open(TestInfo test) {
        ch = TestClickHouse.create(test.getTestMethod().orElseThrow().getName());
    }

    @AfterEach
    void close() throws Exception {
        for (Process p : started) {
            if (p.isAlive()) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        assertTrue(started.stream().noneMatch(Process::isAlive), "no migrate process left running");
        ch.close();
    }

    @Test
    void migratesAndPrintsEachAppliedVersionThenDoesNothing(@TempDir Path tmp) throws Exception {
        Result first = run(tmp, "first", env(ch.endpoint.password()));
        assertEquals(0, first.exitCode, first.toString());
        assertTrue(first.stdout.contains("migrate: applied V001__init.sql\n"), first.stdout);
        int latest = MigrationSource.bundled().getLast().version();
        int count = MigrationSource.bundled().size();
        assertTrue(first.stdout.contains("migrate: database " + ch.database + " at " + ch.endpoint.url() + " is at version " + latest
                + " (" + count + " applied now)"), first.stdout);

        Result second = run(tmp, "second", env(ch.endpoint.password()));
        assertEquals(0, second.exitCode, second.toString());
        assertFalse(second.stdout.contains("applied V"), second.stdout);
        assertTrue(second.stdout.contains("is at version " + latest + " (0 applied now)"), second.stdout);
    }

    @Test
    void twoProcessesStartedTogetherBothSucceedWithOneRecordPerVersion(@TempDir Path tmp) throws Exception {
        Process a = start(tmp, "a", env(ch.endpoint.password()));
        Process b = start(tmp, "b", env(ch.endpoint.password()));
        Result ra = finish(a, tmp, "a");
        Result rb = finish(b, tmp, "b");
        assertEquals(0, ra.exitCode, ra.toString());
        assertEquals(0, rb.exitCode, rb.toString());
        SchemaMigratorTest.assertOneRecordPerVersion(ch, MigrationSource.bundled());
        assertEquals(17, ch.longValue("SELECT count() FROM system.tables WHERE database = '{db}'"),
                "tables, the two sessions views, the materialized view and V009's three pre-project copies");
    }

    @Test
    void wrongCredentialsExitNonZeroWithOneReadableLine(@TempDir Path tmp) throws Exception {
        String wrong = "not-the-password-" + System.nanoTime();
        Result result = run(tmp, "wrong", env(wrong));
        assertEquals(MigrationException.Reason.AUTHENTICATION.exitCode(), result.exitCode, result.toString());
        String line = result.errorLine();
        assertTrue(line.startsWith("migrate: error: ClickHouse at " + ch.endpoint.url() + " refused user " + ch.endpoint.user()
                + " or its password"), line);
        assertFalse(result.stderr.contains(wrong), "the password is never printed");
        assertEquals(0, ch.longValue("SELECT count() FROM system.databases WHERE name = '{db}'"), "nothing was created");
    }

    @Test
    void anUnreachableServerExitsNonZeroWithOneReadableLine(@TempDir Path tmp) throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Map<String, String> env = env(ch.endpoint.password());
        env.put("CLICKHOUSE_URL", "http://127.0.0.1:" + closedPort);
        Result result = run(tmp, "unreachable", env);
        assertEquals(MigrationException.Reason.UNREACHABLE.exitCode(), result.exitCode, result.toString());
        assertTrue(result.errorLine().startsWith("migrate: error: cannot reach ClickHouse at http://127.0.0.1:" + closedPort + ": "),
                result.errorLine());
    }

    @Test
    void aFailingStatementExitsNonZeroNamingFileAndStatement(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("migrations"));
        Files.writeString(dir.resolve("V001__broken.sql"), "SELECT 1;\n\nSELEKT 2;\n");
        Result result = run(tmp, "broken", env(ch.endpoint.password()), "--migrations=" + dir);
        assertEquals(MigrationException.Reason.SQL.exitCode(), result.exitCode, result.toString());
        assertTrue(result.errorLine().startsWith("migrate: error: V001__broken.sql statement 2 (line 3) `SELEKT 2` failed: "),
                result.errorLine());
    }

    // ---- running the command in its own JVM

    private Map<String, String> env(String password) {
        Map<String, String> env = new HashMap<>();
        env.put("CLICKHOUSE_URL", ch.endpoint.url());
        env.put("CLICKHOUSE_USER", ch.endpoint.user());
        env.put("CLICKHOUSE_PASSWORD", password);
        env.put("CLICKHOUSE_DATABASE", ch.database);
        return env;
    }

    private Result run(Path tmp, String name, Map<String, String> env, String... args) throws Exception {
        return finish(start(tmp, name, env, args), tmp, name);
    }

    private Process start(Path tmp, String name, Map<String, String> env, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:TieredStopAtLevel=1", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path"), Migrate.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(tmp.resolve(name + ".out").toFile())
                .redirectError(tmp.resolve(name + ".err").toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("CLICKHOUSE_"));
        builder.environment().putAll(env);
        Process process = builder.start();
        started.add(process);
        return process;
    }

    private static Result finish(Process process, Path tmp, String name) throws Exception {
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "migrate finished in time");
        return new Result(process.exitValue(), Files.readString(tmp.resolve(name + ".out"), StandardCharsets.UTF_8),
                Files.readString(tmp.resolve(name + ".err"), StandardCharsets.UTF_8));
    }

    private record Result(int exitCode, String stdout, String stderr) {

        /** The command's own error line: exactly one, and the last thing on stderr. */
        String errorLine() {
            List<String> ours = stderr.lines().filter(l -> l.startsWith("migrate:")).toList();
            assertEquals(1, ours.size(), stderr);
            assertEquals(ours.getFirst(), stderr.lines().reduce((x, y) -> y).orElseThrow(), "last line of stderr");
            return ours.getFirst();
        }
    }
}
