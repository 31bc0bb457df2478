package com.clickhouse.analytics.bench;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

import com.clickhouse.analytics.local.process.ProcessStats;

/**
 * CPU seconds of named processes at one moment ({@code /proc/<pid>/stat}), and the difference of two
 * such moments: what each process involved spent over a measured window, summed in {@link #total()}.
 * A process that has exited counts as zero from then on.
 */
public record Cpu(Map<String, Double> seconds) {

    /** CPU seconds of each of {@code pids} (name → pid, in report order) now. */
    public static Cpu of(Map<String, Long> pids) {
        Map<String, Double> now = new LinkedHashMap<>();
        pids.forEach((name, pid) -> {
            double s;
            try {
                s = ProcessStats.cpuSeconds(pid);
            } catch (RuntimeException exited) {
                s = 0;
            }
            now.put(name, s);
        });
        return new Cpu(now);
    }

    /** What was spent from {@code earlier} to this moment, per process. */
    public Cpu since(Cpu earlier) {
        Map<String, Double> spent = new LinkedHashMap<>();
        seconds.forEach((name, s) -> spent.put(name, Math.max(0, s - earlier.seconds.getOrDefault(name, 0.0))));
        return new Cpu(spent);
    }

    public double of(String name) {
        return seconds.getOrDefault(name, 0.0);
    }

    public double total() {
        return seconds.values().stream().mapToDouble(Double::doubleValue).sum();
    }

    /** {@code name 1.2 s (3.4 µs/row); …} for {@code rows} rows (or events). */
    public String perRow(long rows, String unit) {
        StringJoiner out = new StringJoiner("; ");
        seconds.forEach((name, s) -> out.add(String.format(Locale.ROOT, "%s %.2f s (%.2f µs/%s)", name, s, 1e6 * s / rows, unit)));
        out.add(String.format(Locale.ROOT, "total %.2f s (%.2f µs/%s)", total(), 1e6 * total() / rows, unit));
        return out.toString();
    }
}
