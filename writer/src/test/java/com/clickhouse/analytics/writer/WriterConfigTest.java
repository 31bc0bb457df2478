package com.clickhouse.analytics.writer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.clickhouse.analytics.ops.logging.LogLevel;
import com.clickhouse.analytics.writer.clickhouse.ShardLayout;
import com.clickhouse.analytics.writer.enrich.EnrichmentConfig;
import com.clickhouse.analytics.writer.enrich.IpMode;
import org.junit.jupiter.api.Test;

class WriterConfigTest {

    private static Map<String, String> minimal() {
        Map<String, String> env = new HashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092");
        env.put("CLICKHOUSE_URL", "http://clickhouse:8123");
        return env;
    }

    @Test
    void defaultsFollowTheConventions() {
        WriterConfig c = WriterConfig.fromEnvironment(minimal());
        assertEquals(8081, c.port());
        assertEquals(LogLevel.WARN, c.logLevel());
        assertEquals("events", c.eventsTopic());
        assertEquals("events_dlq", c.dlqTopic());
        assertEquals("cpa-writer", c.groupId());
        assertEquals(50_000, c.batchMaxRows());
        assertEquals(8_388_608, c.batchMaxBytes());
        assertEquals(Duration.ofSeconds(1), c.batchMaxAge());
        assertEquals("default", c.clickHouseUser());
        assertEquals("", c.clickHousePassword());
        assertEquals("product_analytics", c.clickHouseDatabase());
        assertFalse(c.migrateOnStart());
        assertEquals(100_000, c.deletionListMax());
        assertEquals(Duration.ofSeconds(10), c.deletionRefresh());
        assertEquals(Duration.ofDays(1), c.personActivityResolution());
        assertTrue(c.kafkaClientProperties().isEmpty());
    }

    @Test
    void environmentOverridesAndKafkaPassThrough() {
        Map<String, String> env = minimal();
        env.put("PORT", "9000");
        env.put("WRITER_BATCH_MAX_ROWS", "1000");
        env.put("MIGRATE_ON_START", "true");
        env.put("WRITER_PERSON_ACTIVITY_RESOLUTION", "1h");
        env.put("CLICKHOUSE_PASSWORD", "s3cret");
        env.put("KAFKA_SECURITY_PROTOCOL", "SASL_SSL");
        env.put("KAFKA_SASL_JAAS_CONFIG", "x required;");
        WriterConfig c = WriterConfig.fromEnvironment(env);
        assertEquals(9000, c.port());
        assertEquals(1000, c.batchMaxRows());
        assertTrue(c.migrateOnStart());
        assertEquals(Duration.ofHours(1), c.personActivityResolution());
        assertEquals(Map.of("security.protocol", "SASL_SSL", "sasl.jaas.config", "x required;"), c.kafkaClientProperties());
        assertFalse(c.toString().contains("s3cret"));
        assertFalse(c.toString().contains("x required"));
    }

    @Test
    void badValuesNameTheVariable() {
        assertMessage("KAFKA_BOOTSTRAP_SERVERS", Map.of("CLICKHOUSE_URL", "http://c:8123"));
        assertMessage("CLICKHOUSE_URL", Map.of("KAFKA_BOOTSTRAP_SERVERS", "k:9092"));
        for (var bad : Map.of("PORT", "http", "WRITER_BATCH_MAX_ROWS", "0", "WRITER_BATCH_MAX_AGE_MS", "-5",
                "MIGRATE_ON_START", "maybe", "CLICKHOUSE_DATABASE", "drop table;", "CLICKHOUSE_URL", "clickhouse:8123",
                "LOG_LEVEL", "loud", "WRITER_DELETION_REFRESH_SECONDS", "soon", "WRITER_PERSON_ACTIVITY_RESOLUTION", "0s").entrySet()) {
            Map<String, String> env = minimal();
            env.put(bad.getKey(), bad.getValue());
            assertMessage(bad.getKey(), env);
        }
    }

    @Test
    void shardsAreUnsetByDefaultAndParsedOnceAtStart() {
        assertTrue(WriterConfig.fromEnvironment(minimal()).shards().isEmpty(), "unset: one node, as before");
        assertTrue(WriterConfig.fromEnvironment(with("CLICKHOUSE_SHARDS", "")).shards().isEmpty());
        WriterConfig c = WriterConfig.fromEnvironment(with("CLICKHOUSE_SHARDS", "http://ch-0:8123,http://ch-1:8123*2"));
        assertEquals(List.of(new ShardLayout.Shard(0, "http://ch-0:8123", 1), new ShardLayout.Shard(1, "http://ch-1:8123", 2)),
                c.shards().shards());
        assertTrue(c.toString().contains("shards=http://ch-0:8123*1,http://ch-1:8123*2"), c.toString());
        var e = assertThrows(IllegalArgumentException.class,
                () -> WriterConfig.fromEnvironment(with("CLICKHOUSE_SHARDS", "http://ch-0:8123,ch-1:8123")));
        assertEquals("Invalid configuration: CLICKHOUSE_SHARDS (writer.clickhouse.shards) must list http:// or https:// URLs with a host, "
                + "like http://ch-shard-1:8123, got 'ch-1:8123'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> WriterConfig.fromEnvironment(with("CLICKHOUSE_SHARDS", "http://u:secret@ch-0:8123")));
        assertTrue(e.getMessage().startsWith("Invalid configuration: CLICKHOUSE_SHARDS"), e.getMessage());
        assertFalse(e.getMessage().contains("secret"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> WriterConfig.fromEnvironment(with("CLICKHOUSE_SHARDS", "u:secret@ch-0:8123*x")));
        assertFalse(e.getMessage().contains("secret"), e.getMessage());
    }

    @Test
    void enrichmentDefaults() {
        EnrichmentConfig e = WriterConfig.fromEnvironment(minimal()).enrichment();
        assertTrue(e.userAgents());
        assertEquals(List.of(), e.geoipDatabases(), "no database: no geo properties");
        assertEquals(IpMode.STORE, e.ipMode());
        assertFalse(e.dropBots());
        assertEquals("", e.botPatterns());
        assertEquals(Duration.ofSeconds(5), e.geoipCheck());
        assertEquals(100_000, e.cacheSize());
    }

    @Test
    void enrichmentFromTheEnvironment() {
        Map<String, String> env = minimal();
        env.put("ENRICH_USER_AGENTS", "false");
        env.put("GEOIP_DATABASE", "/geoip/city-ipv4.mmdb, /geoip/city-ipv6.mmdb");
        env.put("IP_MODE", "Truncate");
        env.put("DROP_BOTS", "true");
        env.put("BOT_PATTERNS", "uptime-probe|(?i)monitor");
        EnrichmentConfig e = WriterConfig.fromEnvironment(env).enrichment();
        assertFalse(e.userAgents());
        assertEquals(List.of(Path.of("/geoip/city-ipv4.mmdb"), Path.of("/geoip/city-ipv6.mmdb")), e.geoipDatabases());
        assertEquals(IpMode.TRUNCATE, e.ipMode());
        assertTrue(e.dropBots());
        assertEquals("uptime-probe|(?i)monitor", e.botPatterns());
        assertEquals(IpMode.DROP, WriterConfig.fromEnvironment(with("IP_MODE", "drop")).enrichment().ipMode());
    }

    @Test
    void badEnrichmentValuesNameTheVariable() {
        for (var bad : Map.of("IP_MODE", "hash", "BOT_PATTERNS", "(unclosed", "DROP_BOTS", "sometimes",
                "ENRICH_USER_AGENTS", "perhaps").entrySet()) {
            assertMessage(bad.getKey(), with(bad.getKey(), bad.getValue()));
        }
    }

    private static Map<String, String> with(String name, String value) {
        Map<String, String> env = minimal();
        env.put(name, value);
        return env;
    }

    @Test
    void secretsNeverAppearInErrors() {
        Map<String, String> env = minimal();
        env.put("CLICKHOUSE_PASSWORD", "hunter2-secret");
        env.put("PORT", "nope");
        var e = assertThrows(IllegalArgumentException.class, () -> WriterConfig.fromEnvironment(env));
        assertFalse(e.getMessage().contains("hunter2-secret"), e.getMessage());
    }

    private static void assertMessage(String variable, Map<String, String> env) {
        var e = assertThrows(IllegalArgumentException.class, () -> WriterConfig.fromEnvironment(env));
        assertTrue(e.getMessage().contains(variable), e.getMessage());
    }
}
