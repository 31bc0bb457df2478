package com.clickhouse.analytics.writer.enrich;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PropertiesEditTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void scanReadsTheTopLevelFactsAndSkipsNestedValues() {
        PropertiesEdit.Scan scan = PropertiesEdit.scan("""
                {"nested":{"$ip":"10.0.0.1","$browser":"x","$geoip_city_name":"y"},"$ip":"198.51.100.7","$geoip_disable":true,"a":[1,{"$os":"z"}]}""");
        assertEquals("198.51.100.7", scan.ip());
        assertEquals(1, scan.ipSpans().size(), "only the top-level $ip");
        assertTrue(scan.geoipDisabled());
        assertFalse(scan.hasGeo(), "$geoip_disable is not a geo property; nested ones do not count");
        assertFalse(scan.hasDevice(), "nested $browser and $os do not count");
        assertFalse(scan.empty());
    }

    @Test
    void scanSeesGeoAndDeviceProperties() {
        assertTrue(PropertiesEdit.scan("{\"$geoip_country_code\":\"DE\"}").hasGeo());
        for (String device : new String[] {"$browser", "$os", "$device_type", "$browser_version", "$os_version"}) {
            assertTrue(PropertiesEdit.scan("{\"" + device + "\":\"x\"}").hasDevice(), device);
        }
        assertFalse(PropertiesEdit.scan("{\"$geoip_disable\":false}").geoipDisabled(), "only true disables");
        assertTrue(PropertiesEdit.scan("{}").empty());
        assertTrue(PropertiesEdit.scan("  { }  ").empty());
    }

    @Test
    void scanRefusesWhatIsNotOneObject() {
        assertNull(PropertiesEdit.scan("[1,2]"));
        assertNull(PropertiesEdit.scan("\"text\""));
        assertNull(PropertiesEdit.scan("{\"a\":1"));
        assertNull(PropertiesEdit.scan("{\"a\":}"));
        assertNull(PropertiesEdit.scan(""));
    }

    @Test
    void applyAppendsBeforeTheClosingBraceAndKeepsEverythingElseByteForByte() throws Exception {
        String properties = "{ \"b\" : 1.50,\"text\":\"caf\\u00e9 \\\"q\\\"\" }";
        Map<String, Object> additions = new LinkedHashMap<>();
        additions.put("$geoip_city_name", "Zürich \"quoted\"");
        additions.put("$geoip_latitude", 47.37);
        additions.put("$geoip_accuracy", new BigDecimal("1E+2"));
        additions.put("$flag", true);
        additions.put("$nan", Double.NaN);
        String out = PropertiesEdit.apply(properties, PropertiesEdit.scan(properties), additions, null);
        assertTrue(out.startsWith("{ \"b\" : 1.50,\"text\":\"caf\\u00e9 \\\"q\\\"\" ,"), out);
        var tree = JSON.readTree(out);
        assertEquals("Zürich \"quoted\"", tree.get("$geoip_city_name").asText());
        assertEquals(47.37, tree.get("$geoip_latitude").asDouble());
        assertEquals("100", tree.get("$geoip_accuracy").asText(), "BigDecimal written plain");
        assertTrue(tree.get("$flag").asBoolean());
        assertTrue(tree.get("$nan").isNull(), "NaN is not JSON: null");
        assertEquals("café \"q\"", tree.get("text").asText());
    }

    @Test
    void applyToAnEmptyObjectWritesNoLeadingComma() throws Exception {
        String out = PropertiesEdit.apply("{}", PropertiesEdit.scan("{}"), Map.of("$os", "Linux"), null);
        assertEquals("{\"$os\":\"Linux\"}", out);
    }

    @Test
    void renderedMembersAppendTwoParts() {
        String geo = PropertiesEdit.members(Map.of("$geoip_country_code", "DE"));
        String device = PropertiesEdit.members(Map.of("$os", "Linux"));
        assertEquals("", PropertiesEdit.members(Map.of()));
        assertEquals("{\"$geoip_country_code\":\"DE\",\"$os\":\"Linux\"}", PropertiesEdit.apply("{}", PropertiesEdit.scan("{}"), geo, device, null));
        assertEquals("{\"$os\":\"Linux\"}", PropertiesEdit.apply("{}", PropertiesEdit.scan("{}"), "", device, null), "no leading comma");
        assertEquals("{\"a\":1,\"$geoip_country_code\":\"DE\"}", PropertiesEdit.apply("{\"a\":1}", PropertiesEdit.scan("{\"a\":1}"), geo, "", null));
    }

    @Test
    void applyReplacesEveryTopLevelIpValueButNoNestedOne() throws Exception {
        String properties = "{\"$ip\":\"203.0.113.77\",\"n\":{\"$ip\":\"keep\"},\"$ip\":7}";
        PropertiesEdit.Scan scan = PropertiesEdit.scan(properties);
        assertEquals(2, scan.ipSpans().size(), "a string and a number");
        String out = PropertiesEdit.apply(properties, scan, Map.of("$x", 1), "203.0.113.0");
        assertEquals("{\"$ip\":\"203.0.113.0\",\"n\":{\"$ip\":\"keep\"},\"$ip\":\"203.0.113.0\",\"$x\":1}", out);
    }

    @Test
    void nothingToChangeReturnsTheSameString() {
        String properties = "{\"$ip\":\"1.2.3.4\"}";
        PropertiesEdit.Scan scan = PropertiesEdit.scan(properties);
        assertSame(properties, PropertiesEdit.apply(properties, scan, Map.of(), null));
        String noIp = "{\"a\":1}";
        assertSame(noIp, PropertiesEdit.apply(noIp, PropertiesEdit.scan(noIp), Map.of(), "1.2.3.0"), "no $ip to replace");
    }
}
