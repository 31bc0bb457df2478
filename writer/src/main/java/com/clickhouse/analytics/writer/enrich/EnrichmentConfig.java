package com.clickhouse.analytics.writer.enrich;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The enrichment step's settings (part of the writer's configuration).
 *
 * @param userAgents     {@code ENRICH_USER_AGENTS}: parse user agents into device properties and bot flags
 * @param geoipDatabases {@code GEOIP_DATABASE}: {@code .mmdb} files, comma-separated; none means no geo properties
 * @param geoipCheck     how often the files are checked for a replacement
 * @param ipMode         {@code IP_MODE}
 * @param dropBots       {@code DROP_BOTS}: drop flagged bots instead of storing them
 * @param botPatterns    {@code BOT_PATTERNS}: one Java regular expression (use {@code |} for several), {@code ""} for none
 * @param cacheSize      entries of each lookup cache (addresses, user agents)
 */
public record EnrichmentConfig(boolean userAgents, List<Path> geoipDatabases, Duration geoipCheck, IpMode ipMode,
                               boolean dropBots, String botPatterns, int cacheSize) {

    public EnrichmentConfig {
        geoipDatabases = List.copyOf(geoipDatabases);
    }

    @Override
    public String toString() {
        return "enrichment[userAgents=" + userAgents + ", geoip=" + geoipDatabases + ", ipMode=" + ipMode + ", dropBots="
                + dropBots + "]";
    }
}
