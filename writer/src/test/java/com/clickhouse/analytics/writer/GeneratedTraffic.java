package com.clickhouse.analytics.writer;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import com.clickhouse.analytics.schema.record.Event;
import com.clickhouse.analytics.schema.record.PassThrough;
import com.clickhouse.analytics.schema.record.RecordField;

/**
 * Seeded web traffic for the table and query tests: people visiting on some days of a few weeks,
 * sessions of pageviews (pathname, referrer, UTM on the landing page), autocaptures, a signup →
 * cart → purchase funnel, server-side events inside sessions (no URL) and events outside any
 * session. {@link #sendOrder} is what goes to Kafka: every event, about 5 % of them a second time
 * (an SDK retry with the same uuid), all shuffled so timestamps arrive out of order. Every twelfth
 * person is a crawler (a Googlebot user agent, which the writer flags {@code is_bot}), and every
 * eighth person's second session of a day ends with one event of an uptime checker's user agent
 * (flagged by {@code BOT_PATTERNS}, see {@link #WRITER_SETTINGS}), so some sessions are bots' only in part.
 *
 * @param events    each event once; what a reader must see under FINAL
 * @param sendOrder events as produced, with replays, out of order
 */
public record GeneratedTraffic(long seed, Instant start, int days, List<Event> events, List<Event> sendOrder) {

    public static final String API_KEY = "phc_tables";
    static final List<String> PATHS = List.of("/", "/pricing", "/docs", "/blog", "/signup", "/cart", "/checkout", "/about");
    static final List<String> REFERRERS = List.of("", "https://www.google.com/", "https://news.ycombinator.com/", "https://t.co/x");
    static final List<String> UTM_SOURCES = List.of("", "", "newsletter", "google", "twitter");
    static final List<String> BROWSERS = List.of("Firefox", "Chrome", "Safari");
    static final List<String> FUNNEL = List.of("signed_up", "added_to_cart", "purchased");
    static final String HUMAN_AGENT = "Mozilla/5.0";
    static final String CRAWLER_AGENT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
    static final String CHECKER_AGENT = "cpa-uptime-probe/1.0";
    /** The writer's settings for this traffic: its uptime checker is a bot by the operator's pattern. */
    public static final Map<String, String> WRITER_SETTINGS = Map.of("BOT_PATTERNS", "cpa-uptime-probe");

    /** {@code persons} people over {@code days} days from {@code start} (a Monday, midnight UTC). */
    public static GeneratedTraffic generate(long seed, Instant start, int days, int persons) {
        Random random = new Random(seed);
        List<Event> events = new ArrayList<>();
        for (int p = 0; p < persons; p++) {
            String distinctId = "user-" + p;
            double activity = 0.1 + random.nextDouble() * 0.6;
            String browser = BROWSERS.get(random.nextInt(BROWSERS.size()));
            String agent = p % 12 == 11 ? CRAWLER_AGENT : HUMAN_AGENT; // by index: the random stream stays as it was
            int funnelStep = 0;
            for (int day = 0; day < days; day++) {
                if (random.nextDouble() > activity) {
                    continue;
                }
                int sessions = 1 + random.nextInt(2);
                for (int s = 0; s < sessions; s++) {
                    Instant t = start.plus(Duration.ofDays(day)).plusSeconds(3600L * (6 + 8 * s) + random.nextInt(3 * 3600));
                    String session = TestKafka.uuid(random).toString();
                    int length = 1 + random.nextInt(8);
                    for (int i = 0; i < length; i++) {
                        String path = PATHS.get(random.nextInt(PATHS.size()));
                        String url = "https://shop.example.com" + path;
                        StringBuilder props = new StringBuilder("{\"$pathname\":\"").append(path).append("\",\"$current_url\":\"")
                                .append(url).append("\",\"$browser\":\"").append(browser).append("\",\"$os\":\"Linux\",\"$screen_width\":")
                                .append(1280 + 100 * (p % 5));
                        if (i == 0) {
                            props.append(",\"$referrer\":\"").append(REFERRERS.get(random.nextInt(REFERRERS.size()))).append('"');
                            String utm = UTM_SOURCES.get(random.nextInt(UTM_SOURCES.size()));
                            if (!utm.isEmpty()) {
                                props.append(",\"utm_source\":\"").append(utm).append("\",\"utm_medium\":\"email\",\"utm_campaign\":\"spring\"");
                            }
                        }
                        props.append('}');
                        double kind = random.nextDouble();
                        if (kind < 0.15) {
                            events.add(event(random, "$autocapture", distinctId, props.toString(), t, session, url, agent));
                        } else if (kind < 0.2) {
                            events.add(event(random, "server_sync", distinctId, "{}", t, session, null, agent)); // server-side, no URL
                        } else {
                            events.add(event(random, "$pageview", distinctId, props.toString(), t, session, url,
                                    i == length - 1 && s == 1 && p % 8 == 3 ? CHECKER_AGENT : agent));
                        }
                        if (funnelStep < FUNNEL.size() && random.nextDouble() < 0.12) {
                            events.add(event(random, FUNNEL.get(funnelStep++), distinctId, "{\"plan\":\"pro\"}",
                                    t.plusMillis(500), session, url, agent));
                        }
                        t = t.plusSeconds(1 + random.nextInt(i == 0 && random.nextBoolean() ? 5 : 300));
                    }
                }
                if (random.nextDouble() < 0.1) {
                    events.add(event(random, "nightly_export", distinctId, "{}", start.plus(Duration.ofDays(day)).plusSeconds(60), null, null, agent));
                }
            }
        }
        List<Event> send = new ArrayList<>(events);
        for (Event e : events) {
            if (random.nextDouble() < 0.05) {
                send.add(e);
            }
        }
        Collections.shuffle(send, random);
        return new GeneratedTraffic(seed, start, days, List.copyOf(events), List.copyOf(send));
    }

    /** Whether the writer flags {@code e} as a bot's event (with {@link #WRITER_SETTINGS}). */
    public static boolean isBot(Event e) {
        return !e.userAgent().equals(HUMAN_AGENT);
    }

    private static Event event(Random random, String name, String distinctId, String properties, Instant time, String session, String url,
                               String userAgent) {
        return new Event(TestKafka.uuid(random), API_KEY, name, distinctId, properties, time, null, time.plusMillis(40 + random.nextInt(50)),
                "203.0.113.7", userAgent, PassThrough.NONE.with(RecordField.SESSION_ID, session)
                        .with(RecordField.WINDOW_ID, session == null ? null : "w-" + distinctId).with(RecordField.CURRENT_URL, url)
                        .with(RecordField.HOST, url == null ? null : "shop.example.com"));
    }

    /** Produces {@code events} to {@code topic}, keyed like the gateway does, and waits for every acknowledgement. */
    public static void produce(String bootstrap, String topic, List<Event> events) throws Exception {
        var codec = new com.clickhouse.analytics.schema.record.EventCodec();
        try (var producer = TestKafka.producer(bootstrap)) {
            List<java.util.concurrent.Future<?>> acks = new ArrayList<>();
            for (Event e : events) {
                acks.add(producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, e.partitionKey(), codec.encode(e))));
            }
            producer.flush();
            for (var ack : acks) {
                ack.get(120, java.util.concurrent.TimeUnit.SECONDS);
            }
        }
    }

    /** Distinct event uuids in {@code events}. */
    static long unique(List<Event> events) {
        return events.stream().map(Event::uuid).distinct().count();
    }

    static UUID zero() {
        return new UUID(0, 0);
    }
}
