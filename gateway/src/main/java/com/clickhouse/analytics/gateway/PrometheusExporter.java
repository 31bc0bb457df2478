package com.clickhouse.analytics.gateway;

import java.util.Map;
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
 * Writes a Dropwizard registry in the Prometheus text exposition format 0.0.4. Names carry their
 * labels ({@code name{a="b"}}); one {@code # TYPE} line is written per base name. Counters and
 * meters are counters, gauges gauges, timers (in seconds) and histograms summaries with quantiles,
 * {@code _count} and {@code _sum} (the sum is estimated from the reservoir's mean).
 */
public final class PrometheusExporter {

    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private static final double[] QUANTILES = {0.5, 0.75, 0.95, 0.99, 0.999};
    private static final double NANOS_PER_SECOND = 1e9;

    private final MetricRegistry registry;

    public PrometheusExporter(MetricRegistry registry) {
        this.registry = registry;
    }

    public String scrape() {
        SortedMap<String, Metric> metrics = new TreeMap<>(registry.getMetrics());
        StringBuilder out = new StringBuilder(4096);
        String lastBase = null;
        for (Map.Entry<String, Metric> e : metrics.entrySet()) {
            String name = e.getKey();
            int brace = name.indexOf('{');
            String base = sanitize(brace < 0 ? name : name.substring(0, brace));
            String labels = brace < 0 ? "" : name.substring(brace + 1, name.length() - 1);
            Metric m = e.getValue();
            boolean newBase = !base.equals(lastBase);
            lastBase = base;
            switch (m) {
                case Counter c -> line(out, newBase, base, "counter", labels, c.getCount());
                case Meter meter -> line(out, newBase, base, "counter", labels, meter.getCount());
                case Gauge<?> g -> {
                    Object v = g.getValue();
                    double value = v instanceof Number n ? n.doubleValue() : v instanceof Boolean b ? (b ? 1 : 0) : Double.NaN;
                    line(out, newBase, base, "gauge", labels, value);
                }
                case Timer t -> summary(out, newBase, base, labels, t.getSnapshot(), t.getCount(), NANOS_PER_SECOND);
                case Histogram h -> summary(out, newBase, base, labels, h.getSnapshot(), h.getCount(), 1);
                default -> {
                    // no other kinds are registered
                }
            }
        }
        return out.toString();
    }

    private static void line(StringBuilder out, boolean type, String base, String kind, String labels, double value) {
        if (type) {
            out.append("# TYPE ").append(base).append(' ').append(kind).append('\n');
        }
        out.append(base);
        if (!labels.isEmpty()) {
            out.append('{').append(labels).append('}');
        }
        out.append(' ').append(format(value)).append('\n');
    }

    private static void summary(StringBuilder out, boolean type, String base, String labels, Snapshot s, long count, double scale) {
        if (type) {
            out.append("# TYPE ").append(base).append(" summary\n");
        }
        String sep = labels.isEmpty() ? "" : labels + ",";
        for (double q : QUANTILES) {
            out.append(base).append('{').append(sep).append("quantile=\"").append(q).append("\"} ")
                    .append(format(s.getValue(q) / scale)).append('\n');
        }
        String suffix = labels.isEmpty() ? "" : "{" + labels + "}";
        out.append(base).append("_count").append(suffix).append(' ').append(count).append('\n');
        out.append(base).append("_sum").append(suffix).append(' ').append(format(s.getMean() * count / scale)).append('\n');
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

    private static String sanitize(String name) {
        StringBuilder b = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            b.append((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9' && i > 0) || c == '_' || c == ':' ? c : '_');
        }
        return b.toString();
    }
}
