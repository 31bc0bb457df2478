package com.clickhouse.analytics.writer.enrich;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/** IP literals: parsed without any name lookup, and told apart as public or not. */
final class IpAddresses {

    private IpAddresses() {
    }

    /** The address {@code text} spells, or null when it is not an IPv4 or IPv6 literal. Never resolves a name. */
    static InetAddress parse(String text) {
        if (text == null || text.isEmpty() || text.length() > 64) {
            return null;
        }
        String literal = text.strip();
        if (literal.startsWith("[") && literal.endsWith("]")) {
            literal = literal.substring(1, literal.length() - 1);
        }
        try {
            return InetAddress.ofLiteral(literal);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * Whether a GeoIP database can say anything true about {@code address}: not private (RFC 1918,
     * IPv6 unique-local), loopback, link-local, unspecified, multicast, carrier-grade NAT or
     * documentation space. An IPv4-mapped IPv6 address is judged as its IPv4 address
     * ({@link InetAddress#ofLiteral} already returns it as one).
     */
    static boolean isPublic(InetAddress address) {
        if (address.isLoopbackAddress() || address.isSiteLocalAddress() || address.isLinkLocalAddress()
                || address.isAnyLocalAddress() || address.isMulticastAddress()) {
            return false;
        }
        byte[] b = address.getAddress();
        if (address instanceof Inet4Address) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            return first != 0 && first < 240                                     // this network, reserved, broadcast
                    && !(first == 100 && (second & 0xc0) == 64)                      // 100.64.0.0/10 carrier-grade NAT
                    && !(first == 192 && second == 0 && (b[2] & 0xff) == 2)          // 192.0.2.0/24 documentation
                    && !(first == 198 && (second == 18 || second == 19))             // 198.18.0.0/15 benchmarking
                    && !(first == 198 && second == 51 && (b[2] & 0xff) == 100)       // 198.51.100.0/24 documentation
                    && !(first == 203 && second == 0 && (b[2] & 0xff) == 113);       // 203.0.113.0/24 documentation
        }
        if (address instanceof Inet6Address) {
            int first = b[0] & 0xff;
            return (first & 0xfe) != 0xfc                                            // fc00::/7 unique local
                    && !(first == 0x20 && (b[1] & 0xff) == 0x01 && (b[2] & 0xff) == 0x0d && (b[3] & 0xff) == 0xb8); // 2001:db8::/32
        }
        return false;
    }
}
