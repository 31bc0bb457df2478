package com.clickhouse.analytics.gateway;

import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;

/**
 * The gateway's metrics, in one Dropwizard registry exported by {@link com.clickhouse.analytics.metrics.PrometheusText}. Labels
 * are part of the Dropwizard name ({@code name{label="value"}}); every label value comes from a
 * small fixed set (routes, status codes, error tags, exception class names).
 */
public final class GatewayMetrics {

    static final String PREFIX = "cpa_gateway_";

    private final MetricRegistry registry;
    private final Counter eventsAccepted;
    private final Counter eventsDropped;
    private final Counter bytesIn;
    private final Timer produceLatency;
    private final Counter dropListed;
    private final Counter historical;
    private final Counter spread;

    public GatewayMetrics(MetricRegistry registry) {
        this.registry = registry;
        this.eventsAccepted = registry.counter(PREFIX + "events_accepted_total");
        this.eventsDropped = registry.counter(PREFIX + "events_dropped_total");
        this.bytesIn = registry.counter(PREFIX + "request_bytes_total");
        this.produceLatency = registry.timer(PREFIX + "produce_latency_seconds");
        this.dropListed = registry.counter(PREFIX + "drop_list_events_total");
        this.historical = registry.counter(PREFIX + "historical_events_total");
        this.spread = registry.counter(PREFIX + "overflow_events_total");
    }

    public MetricRegistry registry() {
        return registry;
    }

    public void request(String route, int status, long nanos) {
        registry.counter(PREFIX + "requests_total{route=\"" + route + "\",status=\"" + status + "\"}").inc();
        registry.timer(PREFIX + "request_duration_seconds{route=\"" + route + "\"}").update(nanos, TimeUnit.NANOSECONDS);
    }

    public void error(String tag) {
        registry.counter(PREFIX + "request_errors_total{error=\"" + tag + "\"}").inc();
    }

    public void accepted(int events, int dropped) {
        eventsAccepted.inc(events);
        eventsDropped.inc(dropped);
    }

    public void dropped(int events) {
        eventsDropped.inc(events);
    }

    /** Events of a request refused by the rate limit {@code limit} ({@code key}, {@code distinct_id}). */
    public void rateLimited(String limit, int events) {
        registry.counter(PREFIX + "rate_limited_events_total{limit=\"" + limit + "\"}").inc(events);
    }

    /** Events of the drop list: answered as ingested, not produced. */
    public void dropListed(int events) {
        dropListed.inc(events);
    }

    /** Events sent to the historical topic. */
    public void historical(int events) {
        historical.inc(events);
    }

    /** Events of a hot {@code key:distinct_id} spread over the partitions. */
    public void spread(int events) {
        spread.inc(events);
    }

    public void bytesIn(long bytes) {
        bytesIn.inc(bytes);
    }

    public void produced(long nanos) {
        produceLatency.update(nanos, TimeUnit.NANOSECONDS);
    }

    public void kafkaError(Throwable error) {
        registry.counter(PREFIX + "kafka_errors_total{error=\"" + error.getClass().getSimpleName() + "\"}").inc();
    }

    public void gauge(String name, Supplier<Number> value) {
        registry.gauge(PREFIX + name, () -> (Gauge<Number>) value::get);
    }
}
