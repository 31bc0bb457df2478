package com.clickhouse.analytics.ops.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import com.codahale.metrics.MetricRegistry;

class PrometheusTextTest {

    @Test
    void writesTheTextFormat() {
        MetricRegistry r = new MetricRegistry();
        r.counter("a_total{route=\"batch\",status=\"200\"}").inc(3);
        r.counter("a_total{route=\"e\",status=\"400\"}").inc();
        r.gauge("g", () -> () -> 1.5);
        r.gauge("ready", () -> () -> true);
        r.gauge("name", () -> () -> "not a number");
        r.counter("9bad-name").inc();
        r.timer("t_seconds").update(250, TimeUnit.MILLISECONDS);
        String expected = """
                # TYPE _bad_name counter
                _bad_name 1
                # TYPE a_total counter
                a_total{route="batch",status="200"} 3
                a_total{route="e",status="400"} 1
                # TYPE g gauge
                g 1.5
                # TYPE ready gauge
                ready 1
                # TYPE t_seconds summary
                t_seconds{quantile="0.5"} 0.25
                t_seconds{quantile="0.75"} 0.25
                t_seconds{quantile="0.9"} 0.25
                t_seconds{quantile="0.95"} 0.25
                t_seconds{quantile="0.99"} 0.25
                t_seconds{quantile="0.999"} 0.25
                t_seconds_count 1
                t_seconds_sum 0.25
                """;
        assertEquals(expected, new PrometheusText(r).scrape());
    }
}
