package com.clickhouse.analytics.writer.enrich;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * What of a client's address reaches ClickHouse ({@code IP_MODE}): the {@code ip} column and the
 * {@code $ip} property both follow it. Applied after the GeoIP lookup, so the location is derived
 * from the full address either way.
 */
public enum IpMode {
    /** The address as received (the default, as before enrichment existed). */
    STORE,
    /** IPv4 keeps its /24 ({@code 203.0.113.0}), IPv6 its /48 ({@code 2001:db8:85a3::}). */
    TRUNCATE,
    /** An empty value. */
    DROP;

    /**
     * {@code ip} as this mode stores it. Under {@code TRUNCATE} a value that is not an IP literal
     * (nothing the gateway produces, but the record is only JSON) becomes {@code ""}: no mode other
     * than {@code STORE} ever lets an unrecognised, possibly identifying, value through.
     */
    public String apply(String ip) {
        if (ip == null || ip.isEmpty() || this == STORE) {
            return ip;
        }
        if (this == DROP) {
            return "";
        }
        InetAddress address = IpAddresses.parse(ip);
        return address == null ? "" : truncate(address);
    }

    static String truncate(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (address instanceof Inet4Address) {
            return (bytes[0] & 0xff) + "." + (bytes[1] & 0xff) + "." + (bytes[2] & 0xff) + ".0";
        }
        // The first three 16-bit groups are the /48; the rest is zero, written as "::" (RFC 5952).
        StringBuilder out = new StringBuilder(20);
        for (int group = 0; group < 3; group++) {
            out.append(Integer.toHexString(((bytes[2 * group] & 0xff) << 8) | (bytes[2 * group + 1] & 0xff))).append(':');
        }
        return out.append(':').toString();
    }

    /** {@code store}, {@code truncate} or {@code drop} (any case). */
    public static IpMode parse(String value) {
        return valueOf(value.strip().toUpperCase(java.util.Locale.ROOT));
    }
}
