package com.clickhouse.analytics.ops.metrics;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.Meter;
import com.codahale.metrics.Metric;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Snapshot;
import com.codahale.metrics.Timer;

/**
 * A Dropwizard registry in the Prometheus text exposition format 0.0.4 — what the gateway's and
 * the writer's {@code /metrics} answer. A metric's name may carry its labels
 * ({@code name{a="b"}}); one {@code # TYPE} line is written per base name. Counters and meters are
 * counters; numeric and boolean gauges gauges (others are left out); timers (in seconds) and
 * histograms summaries with quantiles, {@code _count} and {@code _sum} (the sum is estimated from
 * the reservoir's mean).
 */
public final class PrometheusText {

    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private static final double[] QUANTILES = {0.5, 0.75, 0.9, 0.95, 0.99, 0.999};
    private static final double NANOS_PER_SECOND = 1e9;

    private final MetricRegistry registry;

    public PrometheusText(MetricRegistry registry) {
        this.registry = registry;
    }

    public String scrape() {
        SortedMap<String, Metric> metrics = new TreeMap<>(registry.getMetrics());
        StringBuilder out = new StringBuilder(4096);
        Set<String> typed = new HashSet<>();
        for (Map.Entry<String, Metric> e : metrics.entrySet()) {
            String name = e.getKey();
            int brace = name.indexOf('{');
            String base = sanitize(brace < 0 ? name : name.substring(0, brace));
            String labels = brace < 0 ? "" : name.substring(brace + 1, name.length() - 1);
            switch (e.getValue()) {
                case Counter c -> sample(out, typed, base, "counter", labels, c.getCount());
                case Meter m -> sample(out, typed, base, "counter", labels, m.getCount());
                case Gauge<?> g -> {
                    switch (g.getValue()) {
                        case Number n -> sample(out, typed, base, "gauge", labels, n.doubleValue());
                        case Boolean b -> sample(out, typed, base, "gauge", labels, b ? 1 : 0);
                        case null, default -> {
                            // not a number: nothing Prometheus could plot
                        }
                    }
                }
                case Timer t -> summary(out, typed, base, labels, t.getSnapshot(), t.getCount(), NANOS_PER_SECOND);
                case Histogram h -> summary(out, typed, base, labels, h.getSnapshot(), h.getCount(), 1);
                default -> {
                    // no other kinds are registered
                }
            }
        }
        return out.toString();
    }

    private static void sample(StringBuilder out, Set<String> typed, String base, String kind, String labels, double value) {
        type(out, typed, base, kind);
        line(out, base, labels, value);
    }

    private static void summary(StringBuilder out, Set<String> typed, String base, String labels, Snapshot s, long count,
                                double scale) {
        type(out, typed, base, "summary");
        String first = labels.isEmpty() ? "" : labels + ",";
        for (double q : QUANTILES) {
            line(out, base, first + "quantile=\"" + q + "\"", s.getValue(q) / scale);
        }
        line(out, base + "_count", labels, count);
        line(out, base + "_sum", labels, s.getMean() * count / scale);
    }

    private static void type(StringBuilder out, Set<String> typed, String base, String kind) {
        if (typed.add(base)) {
            out.append("# TYPE ").append(base).append(' ').append(kind).append('\n');
        }
    }

    private static void line(StringBuilder out, String name, String labels, double value) {
        out.append(name);
        if (!labels.isEmpty()) {
            out.append('{').append(labels).append('}');
        }
        out.append(' ').append(format(value)).append('\n');
    }

    private static String format(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }

    /** Prometheus metric names: letters, digits (not first), '_' and ':'; anything else becomes '_'. */
    private static String sanitize(String name) {
        StringBuilder b = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9' && i > 0) || c == '_' || c == ':';
            b.append(ok ? c : '_');
        }
        return b.toString();
    }
}
