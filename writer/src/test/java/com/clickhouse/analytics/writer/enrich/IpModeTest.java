package com.clickhouse.analytics.writer.enrich;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class IpModeTest {

    @Test
    void storeKeepsTheValueAsItIs() {
        assertEquals("203.0.113.77", IpMode.STORE.apply("203.0.113.77"));
        assertEquals("not an ip", IpMode.STORE.apply("not an ip"));
        assertNull(IpMode.STORE.apply(null));
    }

    @Test
    void truncateKeepsTheSlash24OfIpv4AndTheSlash48OfIpv6() {
        assertEquals("203.0.113.0", IpMode.TRUNCATE.apply("203.0.113.77"));
        assertEquals("10.1.2.0", IpMode.TRUNCATE.apply(" 10.1.2.255 "));
        assertEquals("2001:db8:85a3::", IpMode.TRUNCATE.apply("2001:0db8:85a3:0000:0000:8a2e:0370:7334"));
        assertEquals("2001:db8:85a3::", IpMode.TRUNCATE.apply("[2001:db8:85a3::1]"));
        assertEquals("0:0:0::", IpMode.TRUNCATE.apply("::1"));
        assertEquals("192.0.2.0", IpMode.TRUNCATE.apply("::ffff:192.0.2.128"), "IPv4-mapped: as IPv4");
    }

    @Test
    void truncateNeverLetsAnUnrecognisedValueThrough() {
        assertEquals("", IpMode.TRUNCATE.apply("host.example.com"), "no name lookup, no pass-through");
        assertEquals("", IpMode.TRUNCATE.apply("1.2.3.4.5"));
        assertEquals("1.2.0.0", IpMode.TRUNCATE.apply("1.2.3"), "inet_aton's short form of 1.2.0.3: still only its /24");
        assertEquals("", IpMode.TRUNCATE.apply("x".repeat(100)));
        assertEquals("", IpMode.TRUNCATE.apply(""));
    }

    @Test
    void dropStoresNothing() {
        assertEquals("", IpMode.DROP.apply("203.0.113.77"));
        assertEquals("", IpMode.DROP.apply("2001:db8::1"));
        assertEquals("", IpMode.DROP.apply("anything"));
    }

    @Test
    void parsesTheThreeNamesInAnyCase() {
        assertEquals(IpMode.STORE, IpMode.parse("store"));
        assertEquals(IpMode.TRUNCATE, IpMode.parse(" Truncate "));
        assertEquals(IpMode.DROP, IpMode.parse("DROP"));
        assertThrows(IllegalArgumentException.class, () -> IpMode.parse("hash"));
    }
}
