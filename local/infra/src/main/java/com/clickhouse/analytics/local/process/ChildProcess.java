package com.clickhouse.analytics.local.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM (or any child process) that lives no longer than this JVM.
 *
 * <p>Java cannot ask the kernel to kill a child when its parent dies, so JVM children are started
 * through {@link ParentWatchdog}, which exits as soon as its standard input reaches end of file —
 * and that happens when this process dies for any reason, {@code SIGKILL} included. A shutdown
 * hook covers the orderly exit. Output goes to a log file, never to a pipe nobody drains.
 */
public final class ChildProcess implements AutoCloseable {

    private final String name;
    private final Process process;
    private final Path logFile;
    private final Thread shutdownHook;

    private ChildProcess(String name, Process process, Path logFile) {
        this.name = name;
        this.process = process;
        this.logFile = logFile;
        this.shutdownHook = new Thread(this::destroyNow, "stop-" + name);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts {@code mainClass} in a new JVM of the running JDK, guarded by {@link ParentWatchdog}. */
    public static ChildProcess startJvm(String name, List<String> jvmOptions, String classPath, String mainClass,
                                        List<String> args, Map<String, String> environment, Path logFile) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(ownCodeLocation() + java.io.File.pathSeparator + classPath);
        command.add(ParentWatchdog.class.getName());
        command.add(mainClass);
        command.addAll(args);
        return start(name, command, environment, logFile);
    }

    /** Starts any command; stdin is kept open so a watchdog child can notice our death. */
    public static ChildProcess start(String name, List<String> command, Map<String, String> environment, Path logFile) {
        try {
            Files.createDirectories(logFile.getParent());
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.PIPE);
            builder.environment().putAll(environment);
            return new ChildProcess(name, builder.start(), logFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + command.getFirst(), e);
        }
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Path logFile() {
        return logFile;
    }

    /** Last lines of the log, for error messages that say why a child did not come up. */
    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /**
     * Waits up to {@code timeout} for a one-off child (a storage format, a migration) to finish;
     * one still running then is stopped, so the result is non-zero. Returns the exit code.
     */
    public int awaitExit(Duration timeout) {
        try {
            if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                removeHook();
                return process.exitValue();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return stop(Duration.ofSeconds(1));
    }

    /** SIGTERM, then SIGKILL after {@code grace}. Returns the exit code. */
    public int stop(Duration grace) {
        process.destroy();
        try {
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        removeHook();
        return process.isAlive() ? -1 : process.exitValue();
    }

    /**
     * SIGSTOP ({@code frozen}) or SIGCONT: the fault tests' "frozen" case — the process keeps its
     * sockets open and answers nothing, like a host that hangs, which a stop or kill cannot show.
     */
    public void freeze(boolean frozen) {
        try {
            Process signal = new ProcessBuilder("kill", frozen ? "-STOP" : "-CONT", Long.toString(process.pid()))
                    .redirectErrorStream(true).start();
            if (!signal.waitFor(10, TimeUnit.SECONDS) || signal.exitValue() != 0) {
                throw new IllegalStateException("kill " + (frozen ? "-STOP " : "-CONT ") + process.pid() + " failed");
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** SIGKILL: the fault tests' "process killed" case. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        removeHook();
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(15));
    }

    private void destroyNow() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
        }
    }

    private void removeHook() {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // The hook is running or has run; nothing to remove.
        }
    }

    private static String ownCodeLocation() {
        try {
            return Path.of(ChildProcess.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return name + "[pid " + process.pid() + ", log " + logFile + "]";
    }
}
