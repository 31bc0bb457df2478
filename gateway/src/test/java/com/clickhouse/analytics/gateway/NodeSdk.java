package com.clickhouse.analytics.gateway;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real JavaScript SDKs of {@code src/test/sdk} (its package.json and lockfile pin them): installs
 * them with {@code npm ci} when {@code node_modules} is missing or older than the lockfile, and runs
 * the scripts there with {@code node}. Missing {@code node}/{@code npm} or a failed install fails the
 * test — an SDK test that skips proves nothing.
 */
final class NodeSdk {

    /** The SDK project, relative to the module (surefire's working directory). */
    static final Path DIR = Path.of("src/test/sdk").toAbsolutePath();

    private static boolean installed;

    private NodeSdk() {
    }

    /** {@code npm ci} unless node_modules matches the lockfile; once per JVM. */
    static synchronized void install() {
        if (installed) {
            return;
        }
        require("node");
        require("npm");
        Path marker = DIR.resolve("node_modules/.package-lock.json");
        try {
            if (!Files.exists(marker)
                    || Files.getLastModifiedTime(marker).compareTo(Files.getLastModifiedTime(DIR.resolve("package-lock.json"))) < 0) {
                run(List.of("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"), Map.of(), 600);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot read " + DIR, e);
        }
        installed = true;
    }

    /** Runs {@code node script} in the SDK directory with {@code env} added; its output, or an AssertionError with it. */
    static String node(String script, Map<String, String> env) {
        install();
        return run(List.of("node", script), env, 120);
    }

    /** Fails when {@code command} is not on PATH. */
    static Path require(String command) {
        Path found = which(command);
        if (found == null) {
            throw new AssertionError("'" + command + "' is not on PATH: the SDK tests need it (apt-get install -y nodejs npm)");
        }
        return found;
    }

    static Path which(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path p = Path.of(dir, command);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    static String run(List<String> command, Map<String, String> env, int timeoutSeconds) {
        List<String> cmd = new ArrayList<>(command);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(DIR.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        try {
            Path log = Files.createTempFile("cpa-sdk-", ".log");
            pb.redirectOutput(log.toFile());
            Process p = pb.start();
            try {
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError(String.join(" ", cmd) + " did not finish in " + timeoutSeconds + " s:\n" + Files.readString(log));
                }
                String out = Files.readString(log, StandardCharsets.UTF_8);
                if (p.exitValue() != 0) {
                    throw new AssertionError(String.join(" ", cmd) + " exited with " + p.exitValue() + ":\n" + out);
                }
                return out;
            } finally {
                p.destroyForcibly();
                Files.deleteIfExists(log);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run " + cmd, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + cmd, e);
        }
    }
}
