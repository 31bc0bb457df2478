package com.clickhouse.analytics.writer.enrich;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

import com.maxmind.db.Reader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Location of a public IP address from MaxMind-format databases ({@code .mmdb}: GeoLite2 / GeoIP2
 * City or Country, DB-IP, and the ip-location-db builds), as PostHog's {@code $geoip_*} properties.
 *
 * <p>Several files may be given (ip-location-db ships IPv4 and IPv6 as two): the first that knows
 * the address answers. Two record layouts are read: MaxMind's nested one ({@code country.iso_code},
 * {@code city.names.en}, {@code subdivisions[0]}, {@code location.latitude}, …, also DB-IP's own
 * files) and ip-location-db's flat one ({@code country_code}, {@code state1}, {@code city},
 * {@code postcode}, {@code latitude}, {@code longitude}, {@code timezone}). Only what the database
 * has is returned; empty values are left out.
 *
 * <p>The files are re-checked (modification time, size, file key) at most every {@code checkEveryNanos}
 * on {@link #refresh()}, which the enrichment step calls per batch; a changed file set is opened
 * completely before it replaces the old one, so a batch sees one database or the other, never a
 * mixture, and a file that cannot be opened (absent yet, half written) leaves the old set in use
 * and is tried again at the next check. Replace a database by renaming a complete file over it
 * (as Kubernetes does with mounted ConfigMaps and Secrets): the files are memory-mapped, and a file
 * overwritten in place changes under the reader. Not thread-safe: used by the prepare thread only.
 */
public final class GeoLookup implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(GeoLookup.class);

    /** One opened set of files. */
    private record Databases(List<Reader> readers, List<Object> stamps, Instant buildTime) {
    }

    private final List<Path> files;
    private final LongSupplier nanoTime;
    private final long checkEveryNanos;
    private volatile Databases current; // volatile: the metrics thread reads its build time
    private long lastCheck;
    private volatile long reloads;
    private volatile long reloadFailures;

    public GeoLookup(List<Path> files, long checkEveryNanos, LongSupplier nanoTime) {
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no GeoIP database file");
        }
        this.files = List.copyOf(files);
        this.nanoTime = nanoTime;
        this.checkEveryNanos = checkEveryNanos;
        this.lastCheck = nanoTime.getAsLong();
        this.current = open(stamps());
    }

    /**
     * Checks the files if the last check is older than the interval, and swaps in a changed set.
     * True when another database is now in use.
     */
    public boolean refresh() {
        long now = nanoTime.getAsLong();
        if (now - lastCheck < checkEveryNanos) {
            return false;
        }
        lastCheck = now;
        List<Object> stamps = stamps();
        Databases old = current;
        if (old != null && old.stamps.equals(stamps)) {
            return false;
        }
        Databases fresh = open(stamps);
        if (fresh == null) {
            return false; // keep what we have; try again at the next check
        }
        current = fresh;
        reloads++;
        if (old != null) {
            closeAll(old.readers);
        }
        log.info("GeoIP database {} (re)loaded, built {}", files, fresh.buildTime);
        return true;
    }

    /**
     * The {@code $geoip_*} properties of {@code address} in PostHog's order (country first), or an
     * empty map when no database is open or none knows the address. Never throws for a bad record:
     * that address just gets no location.
     */
    public Map<String, Object> lookup(InetAddress address) {
        Databases databases = current;
        if (databases == null) {
            return Map.of();
        }
        for (Reader reader : databases.readers) {
            try {
                @SuppressWarnings("unchecked")
                Map<String, Object> record = reader.get(address, Map.class);
                if (record != null) {
                    return properties(record);
                }
            } catch (IOException | RuntimeException e) {
                log.debug("GeoIP lookup failed", e);
            }
        }
        return Map.of();
    }

    /** Whether a database is open. */
    public boolean loaded() {
        return current != null;
    }

    /** When the open database was built (its metadata), or null. */
    public Instant buildTime() {
        Databases databases = current;
        return databases == null ? null : databases.buildTime;
    }

    public long reloads() {
        return reloads;
    }

    public long reloadFailures() {
        return reloadFailures;
    }

    static Map<String, Object> properties(Map<String, Object> r) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (r.containsKey("country") || r.containsKey("city") && r.get("city") instanceof Map) { // MaxMind's layout
            Map<?, ?> country = map(r.get("country"));
            put(out, "$geoip_country_code", country.get("iso_code"));
            put(out, "$geoip_country_name", english(country));
            put(out, "$geoip_city_name", english(map(r.get("city"))));
            Object subdivisions = r.get("subdivisions");
            if (subdivisions instanceof List<?> list && !list.isEmpty()) {
                Map<?, ?> first = map(list.getFirst());
                put(out, "$geoip_subdivision_1_code", first.get("iso_code"));
                put(out, "$geoip_subdivision_1_name", english(first));
            }
            put(out, "$geoip_postal_code", map(r.get("postal")).get("code"));
            Map<?, ?> continent = map(r.get("continent"));
            put(out, "$geoip_continent_code", continent.get("code"));
            put(out, "$geoip_continent_name", english(continent));
            Map<?, ?> location = map(r.get("location"));
            put(out, "$geoip_latitude", location.get("latitude"));
            put(out, "$geoip_longitude", location.get("longitude"));
            put(out, "$geoip_time_zone", location.get("time_zone"));
        } else { // ip-location-db's flat layout
            put(out, "$geoip_country_code", r.get("country_code"));
            put(out, "$geoip_city_name", r.get("city"));
            put(out, "$geoip_subdivision_1_name", r.get("state1"));
            put(out, "$geoip_postal_code", r.get("postcode"));
            put(out, "$geoip_latitude", r.get("latitude"));
            put(out, "$geoip_longitude", r.get("longitude"));
            put(out, "$geoip_time_zone", r.get("timezone"));
        }
        return out;
    }

    private static void put(Map<String, Object> out, String key, Object value) {
        if (value instanceof String s ? !s.isEmpty() : value instanceof Number) {
            out.put(key, value);
        }
    }

    private static Map<?, ?> map(Object value) {
        return value instanceof Map<?, ?> m ? m : Map.of();
    }

    private static Object english(Map<?, ?> named) {
        return map(named.get("names")).get("en");
    }

    private List<Object> stamps() {
        List<Object> stamps = new ArrayList<>(files.size());
        for (Path file : files) {
            try {
                BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
                stamps.add(List.of(a.lastModifiedTime(), a.size(), Objects.requireNonNullElse(a.fileKey(), "")));
            } catch (IOException e) {
                stamps.add("missing");
            }
        }
        return stamps;
    }

    private Databases open(List<Object> stamps) {
        List<Reader> readers = new ArrayList<>(files.size());
        try {
            Instant built = null;
            for (Path file : files) {
                Reader reader = new Reader(new File(file.toString()), Reader.FileMode.MEMORY_MAPPED);
                readers.add(reader);
                Instant b = reader.getMetadata().getBuildDate().toInstant();
                built = built == null || b.isBefore(built) ? b : built;
            }
            return new Databases(List.copyOf(readers), stamps, built);
        } catch (IOException | RuntimeException e) {
            reloadFailures++;
            closeAll(readers);
            log.warn("GeoIP database {} cannot be opened ({}); {}", files, e.toString(),
                    current == null ? "no geo properties until it can" : "keeping the one loaded before");
            return null;
        }
    }

    private static void closeAll(List<Reader> readers) {
        for (Reader reader : readers) {
            try {
                reader.close();
            } catch (IOException e) {
                log.debug("closing a GeoIP reader", e);
            }
        }
    }

    @Override
    public void close() {
        Databases databases = current;
        current = null;
        if (databases != null) {
            closeAll(databases.readers);
        }
    }
}
