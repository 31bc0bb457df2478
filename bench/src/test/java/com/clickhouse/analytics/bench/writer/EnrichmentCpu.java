package com.clickhouse.analytics.bench.writer;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import com.clickhouse.analytics.local.npm.GeoIpDownload;
import com.clickhouse.analytics.schema.record.Event;
import com.clickhouse.analytics.writer.enrich.EnrichmentConfig;
import com.clickhouse.analytics.writer.enrich.Enricher;
import com.clickhouse.analytics.writer.enrich.IpMode;
import com.codahale.metrics.MetricRegistry;

/**
 * CPU time per event of the writer's enrichment step alone (GeoIP with the city database, user
 * agent, bots, IP mode, the properties edit), on one thread, for the writer benchmark's traffic
 * ({@link BenchTraffic}: 50,000 addresses, 2,000 user agents) in batches of its size, without
 * Kafka, ClickHouse or the identity step. The first round fills the caches (every user agent parsed,
 * every address looked up once); the later ones are the steady state the writer benchmark's
 * enrich-on drain reaches. Thread CPU time, not wall clock: the figure to compare changes with.
 * Collector time is not in it (the serial collector runs on its own thread). Run with
 * {@code ./cpa bench enrichment}.
 */
public final class EnrichmentCpu {

    private static final int BATCH = 12_500;

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int rounds = Integer.getInteger("rounds", 4);
        List<Path> databases = Arrays.stream(GeoIpDownload.inUserCache().geoIpDatabaseSetting().split(","))
                .map(String::strip).map(Path::of).toList();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        try (Enricher enricher = Enricher.create(new EnrichmentConfig(true, databases, Duration.ofMinutes(1), IpMode.STORE, false, "",
                100_000), new MetricRegistry(), Clock.systemUTC())) {
            BenchTraffic traffic = new BenchTraffic(2026, 50_000, 0);
            Instant start = Instant.parse("2026-03-01T00:00:00Z");
            long sequence = 0;
            for (int round = 0; round < rounds; round++) {
                long cpu = 0;
                long enriched = 0;
                while (enriched < events) {
                    List<Event> batch = new ArrayList<>(BATCH);
                    for (int i = 0; i < BATCH; i++) {
                        batch.add(traffic.next(start.plusMillis(37 * sequence++)));
                    }
                    long before = threads.getCurrentThreadCpuTime();
                    enriched += enricher.enrich(batch).size();
                    cpu += threads.getCurrentThreadCpuTime() - before;
                }
                System.out.printf(Locale.ROOT, "round %d: %,d events, enrichment %.2f µs/event (thread CPU)%n", round + 1, enriched,
                        cpu / 1_000.0 / enriched);
                if (round == rounds - 1) {
                    System.out.printf(Locale.ROOT, "RESULT enrichment steady_us_per_event=%.2f%n", cpu / 1_000.0 / enriched);
                }
            }
        }
    }
}
