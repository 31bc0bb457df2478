package com.clickhouse.analytics.writer.enrich;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import com.clickhouse.analytics.schema.record.Event;
import com.clickhouse.analytics.writer.LruCache;
import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;

/**
 * The writer's enrichment step, applied to a batch's decoded events before identities are
 * resolved: GeoIP ({@code $geoip_*}) and device ({@code $browser}, {@code $os}, …) properties, the
 * bot verdict, then {@code IP_MODE} on the {@code ip} column and the {@code $ip} property.
 *
 * <p>Rules: the address looked up is the {@code $ip} property when the event carries one (a server
 * SDK forwarding its browser's address), else the request's; {@code $geoip_disable: true}, an event
 * that already has {@code $geoip_*} keys, and non-public addresses get no location; an event that
 * already has any of the device keys (posthog-js sends its own) gets none of ours. Properties are
 * edited as text ({@link PropertiesEdit}); an event with nothing to add keeps its string. Lookups
 * go through bounded LRU caches (a batch shares few addresses and user agents).
 *
 * <p>Not thread-safe: batches are prepared one at a time, on one thread.
 */
public final class Enricher implements AutoCloseable {

    /** One event after enrichment, with its {@code bot_reason} ({@code ""}: not a bot). */
    public record Enriched(Event event, String botReason) {
    }

    private final GeoLookup geo;
    private final UserAgentParser userAgents;
    private final BotClassifier bots;
    private final IpMode ipMode;
    private final boolean dropBots;
    private final LruCache<String, String> geoCache; // address → its geo properties, rendered (PropertiesEdit.members)
    private final LruCache<String, Agent> agentCache;
    private final Counter lookups;
    private final Counter flagged;
    private final Counter dropped;

    /** A user agent's rendered device properties and its bot reason ('' for none). */
    private record Agent(String properties, String botReason) {
    }

    /**
     * @param geo        the GeoIP databases, or null for none (no geo properties)
     * @param userAgents the parser, or null to parse no user agents (no device properties, no bot flags)
     */
    public Enricher(GeoLookup geo, UserAgentParser userAgents, BotClassifier bots, IpMode ipMode, boolean dropBots,
                    int cacheSize, MetricRegistry registry, Clock clock) {
        this.geo = geo;
        this.userAgents = userAgents;
        this.bots = bots;
        this.ipMode = ipMode;
        this.dropBots = dropBots;
        this.geoCache = new LruCache<>(cacheSize);
        this.agentCache = new LruCache<>(cacheSize);
        this.lookups = registry.counter("cpa_writer_geoip_lookups_total");
        this.flagged = registry.counter("cpa_writer_bots_flagged_total");
        this.dropped = registry.counter("cpa_writer_bots_dropped_total");
        registry.gauge("cpa_writer_enrichment_cache_hit_ratio{cache=\"geoip\"}", () -> (Gauge<Double>) geoCache::hitRatio);
        registry.gauge("cpa_writer_enrichment_cache_hit_ratio{cache=\"user_agent\"}", () -> (Gauge<Double>) agentCache::hitRatio);
        if (geo != null) {
            registry.gauge("cpa_writer_geoip_database_build_time_seconds", () -> (Gauge<Long>) () -> {
                Instant built = geo.buildTime();
                return built == null ? 0L : built.getEpochSecond();
            });
            registry.gauge("cpa_writer_geoip_database_age_seconds", () -> (Gauge<Long>) () -> {
                Instant built = geo.buildTime();
                return built == null ? -1L : clock.instant().getEpochSecond() - built.getEpochSecond();
            });
            registry.gauge("cpa_writer_geoip_reloads_total", () -> (Gauge<Long>) geo::reloads);
            registry.gauge("cpa_writer_geoip_reload_failures_total", () -> (Gauge<Long>) geo::reloadFailures);
        }
    }

    /** The step as {@code config} describes it; opens the GeoIP databases (a missing file is tried again later). */
    public static Enricher create(EnrichmentConfig config, MetricRegistry registry, Clock clock) {
        GeoLookup geo = config.geoipDatabases().isEmpty() ? null
                : new GeoLookup(config.geoipDatabases(), config.geoipCheck().toNanos(), System::nanoTime);
        String patterns = config.botPatterns().strip();
        return new Enricher(geo, config.userAgents() ? new UserAgentParser() : null,
                new BotClassifier(patterns.isEmpty() ? List.of() : List.of(patterns)), config.ipMode(), config.dropBots(),
                config.cacheSize(), registry, clock);
    }

    /**
     * {@code events} enriched, in order; a bot's entry is null when {@code DROP_BOTS} is on (its
     * record is then neither inserted nor dead-lettered, and counted in {@code cpa_writer_bots_dropped_total}).
     */
    public List<Enriched> enrich(List<Event> events) {
        if (geo != null && geo.refresh()) { // per batch: a batch sees one database
            geoCache.clear(); // its answers came from the old one
        }
        List<Enriched> out = new ArrayList<>(events.size());
        for (Event event : events) {
            out.add(enrich(event));
        }
        return out;
    }

    private Enriched enrich(Event event) {
        Agent agent = event.userAgent() == null || event.userAgent().isEmpty() || userAgents == null ? null
                : agentCache.get(event.userAgent(), this::parse);
        String botReason = agent == null ? "" : agent.botReason;
        if (!botReason.isEmpty()) {
            flagged.inc();
            if (dropBots) {
                dropped.inc();
                return null;
            }
        }
        boolean wantsGeo = geo != null;
        boolean wantsDevice = agent != null && !agent.properties.isEmpty();
        if (!wantsGeo && !wantsDevice && ipMode == IpMode.STORE) {
            return new Enriched(event, botReason); // nothing can change: not even a scan
        }
        PropertiesEdit.Scan scan = PropertiesEdit.scan(event.properties());
        if (scan == null) {
            return new Enriched(withIp(event, event.properties()), botReason);
        }
        String location = "";
        if (wantsGeo && !scan.geoipDisabled() && !scan.hasGeo()) {
            String address = scan.ip() != null ? scan.ip() : event.ip();
            location = address == null ? "" : geoCache.get(address, this::locate);
        }
        String device = wantsDevice && !scan.hasDevice() ? agent.properties : "";
        String ip = ipMode == IpMode.STORE || scan.ipSpans().isEmpty() ? null
                : ipMode.apply(scan.ip() == null ? "" : scan.ip());
        return new Enriched(withIp(event, PropertiesEdit.apply(event.properties(), scan, location, device, ip)), botReason);
    }

    private Event withIp(Event e, String properties) {
        String ip = ipMode.apply(e.ip());
        if (properties.equals(e.properties()) && Objects.equals(ip, e.ip())) {
            return e;
        }
        return new Event(e.uuid(), e.apiKey(), e.event(), e.distinctId(), properties, e.timestamp(), e.sentAt(), e.receivedAt(),
                ip, e.userAgent(), e.passThrough());
    }

    private String locate(String address) {
        InetAddress parsed = IpAddresses.parse(address);
        if (parsed == null || !IpAddresses.isPublic(parsed)) {
            return "";
        }
        lookups.inc();
        return PropertiesEdit.members(geo.lookup(parsed));
    }

    private Agent parse(String userAgent) {
        UserAgentParser.Device device = userAgents.parse(userAgent);
        Map<String, Object> properties = new LinkedHashMap<>();
        putIfKnown(properties, "$browser", device.browser());
        putIfKnown(properties, "$browser_version", device.browserVersion());
        putIfKnown(properties, "$os", device.os());
        putIfKnown(properties, "$os_version", device.osVersion());
        putIfKnown(properties, "$device_type", device.deviceType());
        return new Agent(PropertiesEdit.members(properties), bots.reason(userAgent, device));
    }

    private static void putIfKnown(Map<String, Object> properties, String key, Object value) {
        if (value != null) {
            properties.put(key, value);
        }
    }


    @Override
    public void close() {
        if (geo != null) {
            geo.close();
        }
    }
}
