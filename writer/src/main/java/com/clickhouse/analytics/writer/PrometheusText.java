package com.clickhouse.analytics.writer;

import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.Meter;
import com.codahale.metrics.Metric;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Snapshot;
import com.codahale.metrics.Timer;

/**
 * Renders a Dropwizard registry in the Prometheus text exposition format (version 0.0.4).
 * A metric name may carry labels ({@code name{a="b"}}); counters and meters become counters,
 * gauges gauges, histograms and timers summaries (timers in seconds).
 */
public final class PrometheusText {

    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private PrometheusText() {
    }

    public static String render(MetricRegistry registry) {
        StringBuilder out = new StringBuilder(4096);
        Set<String> typed = new HashSet<>();
        java.util.SortedMap<String, Metric> metrics = new java.util.TreeMap<>(registry.getMetrics());
        for (Map.Entry<String, Metric> entry : metrics.entrySet()) {
            String full = entry.getKey();
            int brace = full.indexOf('{');
            String base = brace < 0 ? full : full.substring(0, brace);
            String labels = brace < 0 ? "" : full.substring(brace + 1, full.length() - 1);
            Metric metric = entry.getValue();
            switch (metric) {
                case Counter c -> sample(out, typed, base, "counter", labels, c.getCount());
                case Meter m -> sample(out, typed, base, "counter", labels, m.getCount());
                case Gauge<?> g -> {
                    if (g.getValue() instanceof Number n) {
                        sample(out, typed, base, "gauge", labels, n.doubleValue());
                    }
                }
                case Timer t -> summary(out, typed, base, labels, t.getSnapshot(), t.getCount(), 1e-9);
                case Histogram h -> summary(out, typed, base, labels, h.getSnapshot(), h.getCount(), 1);
                default -> { }
            }
        }
        return out.toString();
    }

    private static void summary(StringBuilder out, Set<String> typed, String base, String labels, Snapshot s, long count, double scale) {
        type(out, typed, base, "summary");
        for (double q : new double[] {0.5, 0.9, 0.99}) {
            String l = (labels.isEmpty() ? "" : labels + ",") + "quantile=\"" + q + "\"";
            line(out, base, l, s.getValue(q) * scale);
        }
        line(out, base + "_sum", labels, s.getMean() * count * scale);
        line(out, base + "_count", labels, count);
    }

    private static void sample(StringBuilder out, Set<String> typed, String base, String type, String labels, double value) {
        type(out, typed, base, type);
        line(out, base, labels, value);
    }

    private static void type(StringBuilder out, Set<String> typed, String base, String type) {
        if (typed.add(base)) {
            out.append("# TYPE ").append(base).append(' ').append(type).append('\n');
        }
    }

    private static void line(StringBuilder out, String name, String labels, double value) {
        out.append(name);
        if (!labels.isEmpty()) {
            out.append('{').append(labels).append('}');
        }
        out.append(' ');
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            out.append((long) value);
        } else {
            out.append(String.format(Locale.ROOT, "%s", value));
        }
        out.append('\n');
    }
}
