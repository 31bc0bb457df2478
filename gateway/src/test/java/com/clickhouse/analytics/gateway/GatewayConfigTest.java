package com.clickhouse.analytics.gateway;

import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.clickhouse.analytics.gateway.http.TrustedProxies;
import com.clickhouse.analytics.gateway.limit.LimitsConfig;
import com.clickhouse.analytics.ops.logging.LogLevel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GatewayConfigTest {

    static Map<String, String> env(String... kv) {
        Map<String, String> m = new HashMap<>();
        m.put("KAFKA_BOOTSTRAP_SERVERS", "k:9092");
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void defaults() {
        GatewayConfig c = GatewayConfig.load(env());
        assertEquals(8080, c.port());
        assertEquals(LogLevel.WARN, c.logLevel());
        assertEquals(20 * 1024 * 1024, c.maxBatchBytes());
        assertEquals(10_000, c.maxEventsPerBatch());
        assertEquals("events", c.eventsTopic());
        assertEquals(Duration.ofSeconds(5), c.produceTimeout());
        assertEquals(List.of(), c.publicApiKeys().keys());
    }

    @Test
    void keysAndOriginsMayNameTheirProject() {
        GatewayConfig c = GatewayConfig.load(env("PUBLIC_API_KEYS", "legacy, shop:s1, shop : s2 ,app:a:b", "ALLOWED_ORIGINS",
                "shop=https://Shop.example.com, https://plain.example.com, app = http://localhost:3000"));
        assertEquals(List.of("legacy", "s1", "s2", "a:b"), c.publicApiKeys().keys(), "split at the first ':'");
        assertEquals("legacy", c.publicApiKeys().projectOf("legacy"), "a bare key is its own project");
        assertEquals("shop", c.publicApiKeys().projectOf("s1"));
        assertEquals("shop", c.publicApiKeys().projectOf("s2"));
        assertEquals("app", c.publicApiKeys().projectOf("a:b"));
        assertEquals(Map.of("https://shop.example.com", "shop", "https://plain.example.com", "", "http://localhost:3000", "app"),
                c.allowedOrigins());
        assertTrue(!c.toString().contains("s1") && !c.toString().contains("a:b"), c.toString());
    }

    /** Bad project configuration fails at start, naming the setting and the problem, never echoing a key. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "PUBLIC_API_KEYS | :k1 | PUBLIC_API_KEYS | entry 1 names an empty project",
            "PUBLIC_API_KEYS | k0, shop: | PUBLIC_API_KEYS | entry 2 of project 'shop' has an empty key",
            "PUBLIC_API_KEYS | shop:k1, app:k1 | PUBLIC_API_KEYS | entry 2 gives the key of entry 1 to another project",
            "PUBLIC_API_KEYS | k1, x:k2, app:k1 | PUBLIC_API_KEYS | entry 3 gives the key of entry 1 to another project",
            "ALLOWED_ORIGINS | =https://a.example.com | ALLOWED_ORIGINS | names an empty project",
            "ALLOWED_ORIGINS | nope=https://a.example.com | ALLOWED_ORIGINS | names project 'nope', which no entry of PUBLIC_API_KEYS names",
            "ALLOWED_ORIGINS | shop=https://a.example.com, https://A.example.com | ALLOWED_ORIGINS | origin https://a.example.com is listed for two projects",
            "ALLOWED_ORIGINS | shop=a.example.com | ALLOWED_ORIGINS | 'a.example.com' is not an origin",
    })
    void badProjectConfigurationFailsAtStart(String variable, String value, String named, String problem) {
        Map<String, String> env = variable.equals("ALLOWED_ORIGINS") ? env("PUBLIC_API_KEYS", "shop:secret-1", variable, value)
                : env(variable, value);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GatewayConfig.load(env));
        assertTrue(e.getMessage().contains(named) && e.getMessage().contains(problem), e.getMessage());
        assertTrue(!e.getMessage().contains("secret-1") && !e.getMessage().contains("k1"), "never echo keys: " + e.getMessage());
    }

    @Test
    void environmentOverridesAndKafkaPassThrough() throws Exception {
        GatewayConfig c = GatewayConfig.load(env("PORT", "9000", "PUBLIC_API_KEYS", " old , new ,", "ALLOWED_ORIGINS",
                "https://A.example.com/, http://localhost:3000", "MAX_BATCH_BYTES", "2048", "MAX_EVENTS_PER_BATCH", "5",
                "EVENTS_TOPIC", "ev", "LOG_LEVEL", "INFO", "TRUSTED_PROXIES", "10.0.0.0/8,::1",
                "KAFKA_SECURITY_PROTOCOL", "SASL_SSL", "KAFKA_SASL_JAAS_CONFIG", "secret", "KAFKA_HEAP_OPTS", "-Xmx1g"));
        assertEquals(9000, c.port());
        assertEquals(List.of("old", "new"), c.publicApiKeys().keys());
        assertEquals(Map.of("https://a.example.com", "", "http://localhost:3000", ""), c.allowedOrigins());
        assertEquals(2048, c.maxBatchBytes());
        assertEquals(5, c.maxEventsPerBatch());
        assertEquals("ev", c.eventsTopic());
        assertEquals(LogLevel.INFO, c.logLevel());
        assertEquals(Map.of("security.protocol", "SASL_SSL", "sasl.jaas.config", "secret"), c.kafkaProperties());
        assertEquals("1.2.3.4", c.trustedProxies().clientAddress(InetAddress.getByName("10.9.9.9"), "1.2.3.4, 10.1.2.3"),
                "trusted hops are skipped from the right");
        assertTrue(!c.toString().contains("old") && !c.toString().contains("secret"), c.toString());
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({"PORT,abc", "PORT,70000", "MAX_BATCH_BYTES,-1", "MAX_EVENTS_PER_BATCH,0", "LOG_LEVEL,loud",
            "ALLOWED_ORIGINS,not-an-origin", "TRUSTED_PROXIES,10.0.0.0/99", "EVENTS_TOPIC,bad topic", "KAFKA_BOOTSTRAP_SERVERS,' '"})
    void invalidValuesFailNamingTheSetting(String variable, String value) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GatewayConfig.load(env(variable, value)));
        assertTrue(e.getMessage().startsWith("Invalid configuration: " + variable + " (gateway."), e.getMessage());
    }

    @Test
    void limitsAndLanesAreOffByDefaultAndReadFromTheEnvironment() {
        assertTrue(!GatewayConfig.load(env()).limits().any(), "nothing on by default");
        LimitsConfig l = GatewayConfig.load(env("RATE_LIMIT_KEY_PER_SECOND", "500", "RATE_LIMIT_DISTINCT_ID_PER_SECOND", "20",
                "RATE_LIMIT_DISTINCT_ID_BURST", "100", "RATE_LIMIT_BUCKETS", "5000", "DROP_LIST", "leaked, k:runaway",
                "OVERFLOW_PER_SECOND", "50", "HISTORICAL_TOPIC", "events_historical", "HISTORICAL_AFTER_DAYS", "3")).limits();
        assertEquals(new LimitsConfig(500, 500, 20, 100, 5000, Set.of("leaked", "k:runaway"), 50, 50, "events_historical",
                Duration.ofDays(3)), l, "a burst of 0 is one second of the rate");
        assertTrue(l.any());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GatewayConfig.load(env("HISTORICAL_TOPIC", "events")))
                .getMessage().contains("HISTORICAL_TOPIC"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GatewayConfig.load(env("HISTORICAL_AFTER_DAYS", "2")))
                .getMessage().contains("HISTORICAL_AFTER_DAYS"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GatewayConfig.load(env("RATE_LIMIT_KEY_PER_SECOND", "-1")))
                .getMessage().contains("RATE_LIMIT_KEY_PER_SECOND"));
    }

    @Test
    void trustedProxiesOnlyBelieveForwardedForFromTrustedPeers() throws Exception {
        TrustedProxies p = TrustedProxies.parse("10.0.0.0/8");
        InetAddress trusted = InetAddress.getByName("10.0.0.5");
        InetAddress stranger = InetAddress.getByName("198.51.100.1");
        assertEquals("203.0.113.9", p.clientAddress(trusted, "203.0.113.9"));
        assertEquals("203.0.113.9", p.clientAddress(trusted, "1.1.1.1, 203.0.113.9, 10.0.0.7"));
        assertEquals("198.51.100.1", p.clientAddress(stranger, "203.0.113.9"));
        assertEquals("10.0.0.5", p.clientAddress(trusted, "garbage"));
        assertEquals("10.0.0.5", TrustedProxies.none().clientAddress(trusted, "203.0.113.9"));
    }
}
