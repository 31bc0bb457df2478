package com.clickhouse.analytics.local;

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
