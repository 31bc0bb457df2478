package com.clickhouse.analytics.writer.enrich;

import java.net.Inet4Address;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IpAddressesTest {

    @ParameterizedTest
    @ValueSource(strings = {"8.8.8.8", "81.2.69.142", "1.1.1.1", "2a00:1450:4001:82b::200e", "2606:4700:4700::1111",
            "::ffff:8.8.8.8", "100.63.255.255", "100.128.0.1", "172.32.0.1", "198.20.0.1", "223.255.255.1"})
    void publicAddresses(String ip) {
        assertTrue(IpAddresses.isPublic(IpAddresses.parse(ip)), ip);
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.1", "172.16.5.4", "172.31.255.255", "192.168.1.1", "127.0.0.1", "169.254.1.1", "0.0.0.0",
            "0.1.2.3", "100.64.0.1", "100.127.255.255", "192.0.2.1", "198.18.0.1", "198.19.255.255", "198.51.100.9",
            "203.0.113.7", "224.0.0.1", "240.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1",
            "ff02::1", "2001:db8::1", "::ffff:10.0.0.1", "::ffff:127.0.0.1"})
    void notPublicAddresses(String ip) {
        assertFalse(IpAddresses.isPublic(IpAddresses.parse(ip)), ip);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "localhost", "example.com", "1.2.3.4.5", "256.1.1.1", "1.2.3.4:80", "::g", "[::1", "1111111111111111111111111111111111111111111111111111111111111111.1"})
    void onlyLiteralsParse(String text) {
        assertNull(IpAddresses.parse(text), text);
    }

    @Test
    void literalsParseWithoutLookupInBracketsAndPadding() {
        assertNull(IpAddresses.parse(null));
        assertNotNull(IpAddresses.parse("[2001:db8::1]"));
        assertNotNull(IpAddresses.parse(" 8.8.8.8 "));
        assertInstanceOf(Inet4Address.class, IpAddresses.parse("::ffff:8.8.8.8"), "IPv4-mapped becomes IPv4");
        // The JDK's literal parser takes inet_aton's shorter forms too: the last part fills the remaining bytes.
        assertEquals("1.2.0.3", IpAddresses.parse("1.2.3").getHostAddress());
    }
}
