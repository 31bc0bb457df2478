package com.clickhouse.analytics.local.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What benchmarks report about a process, read from Linux's {@code /proc}: CPU time and peak
 * resident memory. CPU time is the load-independent figure on a shared machine, where wall-clock
 * rates move with whatever else runs.
 */
public final class ProcessStats {

    private static final double CLOCK_TICKS_PER_SECOND = 100.0; // USER_HZ on every Linux we run on

    private ProcessStats() {
    }

    /** User plus system CPU seconds the process has used so far (all its threads). */
    public static double cpuSeconds(long pid) {
        String stat = read(pid, "stat");
        // The command name in parentheses may contain spaces; fields resume after the last ')'.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / CLOCK_TICKS_PER_SECOND;
    }

    /**
     * CPU seconds per thread name (threads of the same name summed), from
     * {@code /proc/<pid>/task/*}: shows whether time goes to the work, the JIT or the GC.
     */
    public static java.util.Map<String, Double> cpuSecondsByThread(long pid) {
        java.util.Map<String, Double> byName = new java.util.TreeMap<>();
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String name = Files.readString(task.resolve("comm")).strip().replaceAll("[0-9]+$", "#");
                    String stat = Files.readString(task.resolve("stat"));
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    double cpu = (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / CLOCK_TICKS_PER_SECOND;
                    byName.merge(name, cpu, Double::sum);
                } catch (IOException exited) {
                    // the thread ended while we listed them
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the threads of " + pid, e);
        }
        return byName;
    }

    /** Peak resident set size in KiB ({@code VmHWM}). */
    public static long peakRssKb(long pid) {
        for (String line : read(pid, "status").split("\n")) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmHWM in /proc/" + pid + "/status");
    }

    private static String read(long pid, String file) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/" + pid + "/" + file, e);
        }
    }
}
