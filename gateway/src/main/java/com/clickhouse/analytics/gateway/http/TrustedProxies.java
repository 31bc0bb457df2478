package com.clickhouse.analytics.gateway.http;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

import com.clickhouse.analytics.ops.config.Settings;

/**
 * Decides which address a request came from. {@code X-Forwarded-For} is believed only when the peer
 * is a trusted proxy, and then only up to the first hop that is not one: a client cannot forge its
 * address by sending the header itself.
 */
public final class TrustedProxies {

    private static final TrustedProxies NONE = new TrustedProxies(List.of(), "");

    private final List<Cidr> ranges;
    private final String text;

    private TrustedProxies(List<Cidr> ranges, String text) {
        this.ranges = List.copyOf(ranges);
        this.text = text;
    }

    public static TrustedProxies none() {
        return NONE;
    }

    /** Comma-separated CIDRs or single addresses (IPv4 or IPv6); throws naming a bad entry. */
    public static TrustedProxies parse(String csv) {
        List<Cidr> ranges = new ArrayList<>();
        for (String entry : Settings.commaSeparated(csv)) {
            ranges.add(Cidr.parse(entry));
        }
        return ranges.isEmpty() ? NONE : new TrustedProxies(ranges, String.join(",", Settings.commaSeparated(csv)));
    }

    /**
     * The client address: the peer itself, or — when the peer is trusted — the right-most entry of
     * {@code forwardedFor} that is not a trusted proxy.
     */
    public String clientAddress(InetAddress peer, String forwardedFor) {
        String peerText = peer == null ? null : peer.getHostAddress();
        if (ranges.isEmpty() || peer == null || forwardedFor == null || !trusted(peer)) {
            return peerText;
        }
        String[] hops = forwardedFor.split(",");
        String candidate = peerText;
        for (int i = hops.length - 1; i >= 0; i--) {
            String hop = hops[i].strip();
            InetAddress address = literal(hop);
            if (address == null) {
                return candidate; // garbage in the chain: stop at the last hop we could trust
            }
            candidate = address.getHostAddress();
            if (!trusted(address)) {
                return candidate;
            }
        }
        return candidate;
    }

    private boolean trusted(InetAddress address) {
        for (Cidr range : ranges) {
            if (range.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /** An IP literal, never a DNS lookup; null when {@code text} is not one. */
    static InetAddress literal(String text) {
        if (text.isEmpty() || text.length() > 45) {
            return null;
        }
        boolean v4 = text.chars().allMatch(c -> (c >= '0' && c <= '9') || c == '.');
        boolean v6 = text.indexOf(':') >= 0 && text.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.');
        if (!v4 && !v6) {
            return null;
        }
        if (v4 && text.chars().filter(c -> c == '.').count() != 3) {
            return null;
        }
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    @Override
    public String toString() {
        return "[" + text + "]";
    }

    private record Cidr(byte[] network, int prefix) {

        static Cidr parse(String text) {
            int slash = text.indexOf('/');
            String host = slash < 0 ? text : text.substring(0, slash);
            InetAddress address = literal(host);
            if (address == null) {
                throw new IllegalArgumentException("'" + text + "' is not an IP address or CIDR");
            }
            byte[] bytes = address.getAddress();
            int prefix = bytes.length * 8;
            if (slash >= 0) {
                try {
                    prefix = Integer.parseInt(text.substring(slash + 1));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("'" + text + "' has an invalid prefix length");
                }
                if (prefix < 0 || prefix > bytes.length * 8) {
                    throw new IllegalArgumentException("'" + text + "' has an invalid prefix length");
                }
            }
            return new Cidr(bytes, prefix);
        }

        boolean contains(InetAddress address) {
            byte[] other = address.getAddress();
            if (other.length != network.length) {
                return false;
            }
            int bits = prefix;
            for (int i = 0; i < network.length && bits > 0; i++, bits -= 8) {
                int mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
                if ((network[i] & mask) != (other[i] & mask)) {
                    return false;
                }
            }
            return true;
        }
    }
}
