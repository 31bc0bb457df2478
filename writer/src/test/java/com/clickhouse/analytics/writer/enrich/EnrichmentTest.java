package com.clickhouse.analytics.writer.enrich;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.clickhouse.analytics.local.kafka.KafkaBroker;
import com.clickhouse.analytics.local.npm.GeoIpDownload;
import com.clickhouse.analytics.schema.record.Event;
import com.clickhouse.analytics.testkit.Infrastructure;
import com.clickhouse.analytics.testkit.TestClickHouse;
import com.clickhouse.analytics.writer.Await;
import com.clickhouse.analytics.writer.TestKafka;
import com.clickhouse.analytics.writer.WriterProcess;
import com.clickhouse.client.api.query.GenericRecord;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.maxmind.db.Reader;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The enrichment step in a real writer process, against the real broker and ClickHouse, with the
 * DB-IP City Lite database the local stack uses (fetched through the same code; a failed fetch
 * fails the test).
 */
class EnrichmentTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    static final String DESKTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";
    static final String MOBILE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";
    static final String TABLET = "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1";
    static final String GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
    static final String HEADLESS = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.0.0 Safari/537.36";
    /** Public addresses whose country is stable in the database: Google, Cloudflare, a UK ISP, RIPE, a Japanese ISP, NIC.br. */
    static final Map<String, String> PUBLIC = Map.of("8.8.8.8", "US", "1.1.1.1", "AU", "81.2.69.142", "GB",
            "193.0.6.139", "NL", "133.242.0.1", "JP", "200.160.2.3", "BR");

    @Test
    void geoDeviceAndBotsWithTruncatedIpsAndAReloadMidStream(@TempDir Path tmp) throws Exception {
        List<Path> databases = GeoIpDownload.inUserCache().databases();
        Path geo = tmp.resolve("geo.mmdb");
        Files.copy(databases.getFirst(), geo); // IPv4 first; replaced by the IPv6 file below
        String bootstrap = Infrastructure.shared().kafkaBootstrapServers();
        var endpoint = Infrastructure.shared().clickHouse();
        String topic = TestClickHouse.uniqueName("enrich");
        KafkaBroker.createTopic(bootstrap, topic, 1);
        try (TestClickHouse ch = TestClickHouse.create(endpoint, "en");
             WriterProcess writer = WriterProcess.start("writer-enrich", bootstrap, endpoint, ch.database, topic, topic + "-g",
                     Map.of("MIGRATE_ON_START", "true", "GEOIP_DATABASE", geo.toString(), "IP_MODE", "truncate"))) {
            List<Event> first = new ArrayList<>();
            PUBLIC.keySet().forEach(ip -> first.add(event("{\"n\":1}", ip, DESKTOP)));
            first.add(event("{}", "10.1.2.3", MOBILE));                                   // private: no geo
            first.add(event("{}", "127.0.0.1", TABLET));                                   // loopback: no geo
            first.add(event("{\"$ip\":\"8.8.8.8\"}", "10.1.2.3", GOOGLEBOT));              // $ip wins over the request's
            first.add(event("{\"$geoip_disable\":true}", "81.2.69.142", HEADLESS));
            first.add(event("{\"$browser\":\"Mine\",\"$os\":\"Mine OS\"}", "1.1.1.1", DESKTOP));
            send(bootstrap, topic, first);
            Await.until(Duration.ofSeconds(90), () -> ch.eventsFinal() >= first.size(), writer::logTail);

            Map<String, GenericRecord> rows = rows(ch);
            try (Reader reader = new Reader(new File(databases.getFirst().toString()))) {
                for (Map.Entry<String, String> expected : PUBLIC.entrySet()) {
                    GenericRecord row = rows.get(first.get(index(first, expected.getKey())).uuid().toString());
                    JsonNode p = JSON.readTree(row.getString("properties"));
                    @SuppressWarnings("unchecked")
                    Map<String, Object> truth = reader.get(InetAddress.getByName(expected.getKey()), Map.class);
                    assertEquals(expected.getValue(), p.path("$geoip_country_code").asText(), p.toString());
                    assertEquals(truth.get("country_code"), p.path("$geoip_country_code").asText());
                    assertEquals(truth.get("city"), p.path("$geoip_city_name").asText(), p.toString());
                    assertEquals(((Number) truth.get("latitude")).doubleValue(), p.path("$geoip_latitude").asDouble(), 1e-4);
                    assertEquals("Chrome", p.path("$browser").asText(), p.toString());
                    assertEquals("Desktop", p.path("$device_type").asText(), p.toString());
                    assertEquals(IpMode.TRUNCATE.apply(expected.getKey()), row.getString("ip"));
                    assertEquals(0, row.getInteger("is_bot"));
                }
            }
            int base = PUBLIC.size();
            JsonNode privateOne = props(rows, first.get(base));
            assertFalse(privateOne.has("$geoip_country_code"), privateOne.toString());
            assertEquals("Mobile", privateOne.path("$device_type").asText(), privateOne.toString());
            assertEquals("10.1.2.0", rows.get(first.get(base).uuid().toString()).getString("ip"));
            JsonNode loopback = props(rows, first.get(base + 1));
            assertFalse(loopback.has("$geoip_country_code"), loopback.toString());
            assertEquals("Tablet", loopback.path("$device_type").asText(), loopback.toString());
            JsonNode forwarded = props(rows, first.get(base + 2));
            assertEquals("US", forwarded.path("$geoip_country_code").asText(), forwarded.toString());
            assertEquals("8.8.8.0", forwarded.path("$ip").asText(), "$ip follows IP_MODE");
            GenericRecord bot = rows.get(first.get(base + 2).uuid().toString());
            assertEquals(1, bot.getInteger("is_bot"));
            assertEquals(BotClassifier.LIBRARY, bot.getString("bot_reason"));
            JsonNode disabled = props(rows, first.get(base + 3));
            assertTrue(disabled.path("$geoip_disable").asBoolean(), disabled.toString());
            assertFalse(disabled.has("$geoip_country_code"), "no geo for $geoip_disable: " + disabled);
            assertEquals(BotClassifier.CRAWLER_LIST, rows.get(first.get(base + 3).uuid().toString()).getString("bot_reason"));
            JsonNode own = props(rows, first.get(base + 4));
            assertEquals("Mine", own.path("$browser").asText());
            assertFalse(own.has("$device_type"), "an event with its own device properties gets none of ours: " + own);
            assertTrue(own.has("$geoip_country_code"), own.toString());

            // No full address anywhere in ClickHouse.
            for (String ip : List.of("8.8.8.8", "1.1.1.1", "81.2.69.142", "10.1.2.3", "127.0.0.1")) {
                assertEquals(0, ch.longValue("SELECT count() FROM {db}.events WHERE ip = '" + ip
                        + "' OR position(properties, '\"" + ip + "\"') > 0"), ip);
            }

            // Replace the database mid-stream (rename over it, as a volume update does): the IPv6 file.
            Path next = tmp.resolve("geo.mmdb.new");
            Files.copy(databases.get(1), next);
            Files.move(next, geo, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            // The IPv6 file knows no IPv4 address, and places Google's IPv6 resolver elsewhere than the IPv4 file does.
            String v6 = "2001:4860:4860::8888";
            List<Event> during = new ArrayList<>();
            Instant until = Instant.now().plusSeconds(40);
            boolean switched = false;
            while (!switched && Instant.now().isBefore(until)) {
                Event v4 = event("{}", "8.8.8.8", DESKTOP);
                during.add(event("{}", v6, DESKTOP));
                during.add(v4);
                send(bootstrap, topic, during.subList(during.size() - 2, during.size()));
                int expectedRows = first.size() + during.size();
                Await.until(Duration.ofSeconds(30), () -> ch.eventsFinal() >= expectedRows, writer::logTail);
                switched = !props(rows(ch), v4).has("$geoip_country_code");
                Thread.sleep(500);
            }
            assertTrue(switched, "the IPv6 database was picked up\n" + writer.logTail());
            assertEquals(first.size() + (long) during.size(), ch.eventsFinal(), "nothing lost across the reload");
            try (Reader reader = new Reader(new File(databases.get(1).toString()))) {
                @SuppressWarnings("unchecked")
                Map<String, Object> truth = reader.get(InetAddress.getByName(v6), Map.class);
                assertEquals(truth.get("country_code"),
                        props(rows(ch), during.get(during.size() - 2)).path("$geoip_country_code").asText());
            }
            assertEquals(during.size() / 2, ch.longValue("SELECT count() FROM {db}.events WHERE ip = '2001:4860:4860::'"));
            String metrics = writer.get("/metrics").body();
            assertTrue(metrics.contains("cpa_writer_geoip_reloads_total 1"), metrics);
            assertTrue(metrics.contains("cpa_writer_bots_flagged_total"), metrics);
            assertTrue(metrics.contains("cpa_writer_geoip_database_age_seconds"), metrics);
            assertTrue(writer.metric("cpa_writer_geoip_lookups_total") > 0, metrics);
            double hitRatio = writer.metric("cpa_writer_enrichment_cache_hit_ratio{cache=\"geoip\"}");
            assertTrue(hitRatio > 0 && hitRatio < 1, "the same addresses again and again: some hits, and misses at first: " + hitRatio);
        }
    }

    @Test
    void dropBotsAndIpModeDrop() throws Exception {
        String bootstrap = Infrastructure.shared().kafkaBootstrapServers();
        var endpoint = Infrastructure.shared().clickHouse();
        String topic = TestClickHouse.uniqueName("enrichdrop");
        KafkaBroker.createTopic(bootstrap, topic, 1);
        try (TestClickHouse ch = TestClickHouse.create(endpoint, "ed");
             WriterProcess writer = WriterProcess.start("writer-enrich-drop", bootstrap, endpoint, ch.database, topic, topic + "-g",
                     Map.of("MIGRATE_ON_START", "true", "GEOIP_DATABASE", GeoIpDownload.inUserCache().geoIpDatabaseSetting(),
                             "IP_MODE", "drop", "DROP_BOTS", "true", "BOT_PATTERNS", "(?i)acme-monitor"))) {
            List<Event> events = List.of(event("{\"$ip\":\"8.8.8.8\"}", "1.1.1.1", DESKTOP), event("{}", "1.1.1.1", GOOGLEBOT),
                    event("{}", "1.1.1.1", "AcMe-Monitor/1.0"), event("{}", "193.0.6.139", MOBILE));
            send(bootstrap, topic, events);
            Await.until(Duration.ofSeconds(90), () -> ch.eventsFinal() >= 2 && TestKafka.groupLag(bootstrap, topic, topic + "-g") == 0,
                    writer::logTail);
            assertEquals(2, ch.eventsFinal(), "the two bots were dropped");
            Map<String, GenericRecord> rows = rows(ch);
            JsonNode p = props(rows, events.getFirst());
            assertEquals("US", p.path("$geoip_country_code").asText(), "looked up before the address was dropped: " + p);
            assertEquals("", p.path("$ip").asText());
            assertEquals("NL", props(rows, events.get(3)).path("$geoip_country_code").asText());
            assertEquals(0, ch.longValue("SELECT count() FROM {db}.events WHERE ip != '' OR position(properties, '8.8.8.8') > 0"));
            String metrics = writer.get("/metrics").body();
            assertTrue(metrics.contains("cpa_writer_bots_dropped_total 2"), metrics);
        }
    }

    static Event event(String properties, String ip, String userAgent) {
        Instant now = Instant.now();
        return new Event(UUID.randomUUID(), "key", "$pageview", "d-" + UUID.randomUUID(), properties, now, null, now, ip, userAgent, null);
    }

    private static int index(List<Event> events, String ip) {
        for (int i = 0; i < events.size(); i++) {
            if (ip.equals(events.get(i).ip()) && events.get(i).properties().equals("{\"n\":1}")) {
                return i;
            }
        }
        throw new AssertionError(ip);
    }

    private static void send(String bootstrap, String topic, List<Event> events) throws Exception {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (Event e : events) {
            records.add(TestKafka.record(e, 0));
        }
        TestKafka.send(bootstrap, topic, records);
    }

    private static Map<String, GenericRecord> rows(TestClickHouse ch) {
        Map<String, GenericRecord> rows = new HashMap<>();
        for (GenericRecord r : ch.query("SELECT toString(uuid) AS id, properties, ip, is_bot, bot_reason FROM {db}.events FINAL")) {
            rows.put(r.getString("id"), r);
        }
        return rows;
    }

    private static JsonNode props(Map<String, GenericRecord> rows, Event e) throws Exception {
        GenericRecord row = rows.get(e.uuid().toString());
        return row == null ? JSON.createObjectNode() : JSON.readTree(row.getString("properties"));
    }
}
