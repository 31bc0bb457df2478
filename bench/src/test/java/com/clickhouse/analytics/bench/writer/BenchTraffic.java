package com.clickhouse.analytics.bench.writer;

import java.time.Instant;
import java.util.Random;
import java.util.UUID;

import com.clickhouse.analytics.schema.record.Event;
import com.clickhouse.analytics.schema.record.PassThrough;
import com.clickhouse.analytics.schema.record.RecordField;
import com.clickhouse.analytics.writer.TestKafka;

/**
 * The writer benchmark's records: server-side-SDK-like events (no {@code $browser} of their own, so
 * the enrichment parses every user agent) from {@value #IPS} distinct public addresses and
 * {@value #AGENTS} distinct user agents (issue 16's spread), and optionally a share of identity
 * events — {@code $identify} with {@code $anon_distinct_id}, {@code $create_alias},
 * {@code $groupidentify} — in equal parts (issue 15's identity-heavy traffic). Seeded: the same
 * arguments give the same records.
 */
final class BenchTraffic {

    static final int IPS = 50_000;
    static final int AGENTS = 2_000;

    private static final String[] BROWSERS = {
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/%d.0.%d.%d Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_%d) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.%d Safari/605.1.%d",
        "Mozilla/5.0 (X11; Linux x86_64; rv:%d.0) Gecko/20100101 Firefox/%d.%d",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_%d like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.%d Mobile/15E%d Safari/604.1",
        "Mozilla/5.0 (Linux; Android 14; SM-S9%d) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/%d.0.0.%d Mobile Safari/537.36",
        "Mozilla/5.0 (iPad; CPU OS 16_%d like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.%d Mobile/15E%d Safari/604.1",
        "Mozilla/5.0 (compatible; Googlebot/2.%d; +http://www.google.com/bot.html) %d.%d",
    };

    private final Random random;
    private final int persons;
    private final double identityShare;
    private final String[] ips = new String[IPS];
    private final String[] agents = new String[AGENTS];

    BenchTraffic(long seed, int persons, double identityShare) {
        this.random = new Random(seed);
        this.persons = persons;
        this.identityShare = identityShare;
        for (int i = 0; i < IPS; i++) {
            ips[i] = publicAddress(random);
        }
        for (int i = 0; i < AGENTS; i++) {
            String format = BROWSERS[i % BROWSERS.length];
            agents[i] = String.format(format, 100 + i % 31, i / 31 % 97, i / 7 % 300);
        }
    }

    /** A unicast address outside the private, loopback, link-local, CGNAT, documentation and multicast ranges. */
    private static String publicAddress(Random random) {
        while (true) {
            int a = 1 + random.nextInt(223);
            int b = random.nextInt(256);
            boolean reserved = a == 10 || a == 127 || (a == 100 && b >= 64 && b < 128) || (a == 169 && b == 254)
                    || (a == 172 && b >= 16 && b < 32) || (a == 192 && b == 168) || (a == 192 && b == 0)
                    || (a == 198 && (b == 18 || b == 19 || b == 51)) || (a == 203 && b == 0) || a == 0;
            if (!reserved) {
                return a + "." + b + "." + random.nextInt(256) + "." + (1 + random.nextInt(254));
            }
        }
    }

    Event next(Instant time) {
        int person = random.nextInt(persons);
        String distinctId = "user-" + person;
        String session = new UUID(person, time.toEpochMilli() / 1_800_000).toString();
        String url = "https://shop.example.com/products/" + random.nextInt(500);
        // A person keeps an address for the day and a device, as real visitors mostly do: an address
        // that moved every hour (as before 2026-12-02) put each person in another city every hour,
        // and PostHog's rules rewrite a person whose $geoip_city_name changes — one person row per
        // two events, which measured identity churn, not enrichment (docs/benchmarks.md).
        String ip = ips[Math.floorMod(person * 31 + (int) (time.toEpochMilli() / 86_400_000), IPS)];
        String agent = agents[Math.floorMod(person * 17, AGENTS)];
        PassThrough fields = PassThrough.NONE.with(RecordField.SESSION_ID, session).with(RecordField.WINDOW_ID, "w-" + person)
                .with(RecordField.CURRENT_URL, url).with(RecordField.HOST, "shop.example.com");
        String event = random.nextInt(10) == 0 ? "$autocapture" : "$pageview";
        String properties = "{\"$current_url\":\"" + url + "\",\"$lib\":\"posthog-node\",\"$screen_width\":"
                + (1024 + random.nextInt(1000)) + ",\"plan\":\"pro\",\"cart_value\":" + random.nextInt(10_000) / 100.0 + "}";
        double identity = random.nextDouble();
        if (identity < identityShare) {
            int kind = (int) (identity / identityShare * 3);
            switch (kind) {
                case 0 -> { // a visitor identifies: its anonymous id joins (or merges into) the user's person
                    event = "$identify";
                    String anonymous = "anon-" + new UUID(person, random.nextInt(4));
                    fields = fields.with(RecordField.ANON_DISTINCT_ID, anonymous)
                            .with(RecordField.SET, "{\"email\":\"user" + person + "@example.com\",\"plan\":\"pro\"}");
                    properties = "{\"$anon_distinct_id\":\"" + anonymous + "\",\"$lib\":\"posthog-node\"}";
                }
                case 1 -> {
                    event = "$create_alias";
                    String alias = "crm-" + person;
                    fields = fields.with(RecordField.ALIAS, alias);
                    properties = "{\"alias\":\"" + alias + "\",\"$lib\":\"posthog-node\"}";
                }
                default -> {
                    event = "$groupidentify";
                    int company = person % 2_000;
                    properties = "{\"$group_type\":\"company\",\"$group_key\":\"company-" + company
                            + "\",\"$group_set\":{\"name\":\"Company " + company + "\",\"seats\":" + (1 + company % 50) + "}}";
                }
            }
        }
        return new Event(new UUID((random.nextLong() & ~0xF000L) | 0x7000L, (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L),
                "phc_bench", event, distinctId, properties, time, null, time.plusMillis(35), ip, agent, fields);
    }

    /** Produces {@code count} records keyed like the gateway does; returns once all are acknowledged. */
    void produce(String bootstrap, String topic, int count) throws Exception {
        Instant start = Instant.parse("2026-03-01T00:00:00Z");
        TestKafka.produce(bootstrap, topic, count, i -> next(start.plusMillis(i * 37L)));
    }
}
