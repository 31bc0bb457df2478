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
        assertEquals(List.of(), c.publicApiKeys());
    }

    @Test
    void environmentOverridesAndKafkaPassThrough() throws Exception {
        GatewayConfig c = GatewayConfig.load(env("PORT", "9000", "PUBLIC_API_KEYS", " old , new ,", "ALLOWED_ORIGINS",
                "https://A.example.com/, http://localhost:3000", "MAX_BATCH_BYTES", "2048", "MAX_EVENTS_PER_BATCH", "5",
                "EVENTS_TOPIC", "ev", "LOG_LEVEL", "INFO", "TRUSTED_PROXIES", "10.0.0.0/8,::1",
                "KAFKA_SECURITY_PROTOCOL", "SASL_SSL", "KAFKA_SASL_JAAS_CONFIG", "secret", "KAFKA_HEAP_OPTS", "-Xmx1g"));
        assertEquals(9000, c.port());
        assertEquals(List.of("old", "new"), c.publicApiKeys());
        assertEquals(Set.of("https://a.example.com", "http://localhost:3000"), c.allowedOrigins());
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
