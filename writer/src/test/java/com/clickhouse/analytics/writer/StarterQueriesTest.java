package com.clickhouse.analytics.writer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import com.clickhouse.analytics.local.clickhouse.ClickHouseEndpoint;
import com.clickhouse.analytics.local.kafka.KafkaBroker;
import com.clickhouse.analytics.schema.migration.SchemaMigrator;
import com.clickhouse.analytics.schema.record.Event;
import com.clickhouse.analytics.schema.record.RecordField;
import com.clickhouse.analytics.testkit.Infrastructure;
import com.clickhouse.analytics.testkit.TestClickHouse;
import com.clickhouse.analytics.writer.identity.PersonIds;
import com.clickhouse.client.api.query.GenericRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every query of {@code docs/queries.md}, and every panel of the Grafana dashboards, on generated
 * traffic written by the real writer (replays, out-of-order events), each answer checked against
 * the same question computed in Java over the generated events. Seed printed; rerun one with
 * {@code -Dcpa.queries.seed=N}.
 */
class StarterQueriesTest {

    static final Path QUERIES = Path.of("..", "docs", "queries.md");
    private static final Pattern QUERY = Pattern.compile("### `(\\w+)`.*?```sql\\n(.*?)```", Pattern.DOTALL);
    static final Instant FROM = Instant.parse("2026-03-02T00:00:00Z"); // a Monday
    static final Instant TO = FROM.plus(Duration.ofDays(28));

    private static long seed;
    private static GeneratedTraffic traffic;
    private static TestClickHouse ch;
    /** old person → final person, as the overrides inserted below say. */
    private static final Map<UUID, UUID> overrides = new HashMap<>();

    @BeforeAll
    static void writeTraffic() throws Exception {
        seed = Long.getLong("cpa.queries.seed", System.nanoTime());
        System.out.println("StarterQueriesTest seed " + seed);
        traffic = GeneratedTraffic.generate(seed, FROM.minus(Duration.ofDays(3)), 35, 150); // data on both sides of the range
        String bootstrap = Infrastructure.shared().kafkaBootstrapServers();
        ClickHouseEndpoint endpoint = Infrastructure.shared().clickHouse();
        String topic = TestClickHouse.uniqueName("queries");
        KafkaBroker.createTopic(bootstrap, topic, 3);
        ch = TestClickHouse.create(endpoint, "queries").migrate(SchemaMigrator::migrate);
        try (WriterProcess writer = WriterProcess.start("writer-queries", bootstrap, endpoint, ch.database, topic, topic,
                GeneratedTraffic.WRITER_SETTINGS)) {
            GeneratedTraffic.produce(bootstrap, topic, traffic.sendOrder());
            Await.until(Duration.ofSeconds(180), () -> ch.eventsFinal() == traffic.events().size(),
                    () -> "events FINAL " + ch.eventsFinal() + " of " + traffic.events().size() + "\n" + writer.logTail());
        }
        // Persons 1 and 2 were merged into person 0; person 2 first into someone else, then (higher version) into 0.
        UUID p0 = PersonIds.deterministic(GeneratedTraffic.API_KEY, "user-0");
        UUID p1 = PersonIds.deterministic(GeneratedTraffic.API_KEY, "user-1");
        UUID p2 = PersonIds.deterministic(GeneratedTraffic.API_KEY, "user-2");
        ch.client.execute("INSERT INTO " + ch.database + ".person_overrides (project, old_person_id, override_person_id, version) VALUES"
                + " ('" + GeneratedTraffic.API_KEY + "', '" + p1 + "', '" + p0 + "', 1), ('" + GeneratedTraffic.API_KEY + "', '" + p2 + "', '"
                + UUID.randomUUID() + "', 1), ('" + GeneratedTraffic.API_KEY + "', '" + p2 + "', '" + p0 + "', 2)").get().close();
        overrides.put(p1, p0);
        overrides.put(p2, p0);
    }

    @AfterAll
    static void dropDatabase() throws Exception {
        if (ch != null) {
            ch.client.execute("DROP DATABASE IF EXISTS " + ch.database).get().close();
            ch.close();
        }
    }

    @Test
    void everyQueryOfTheDocumentAnswersAsTheJavaComputation() throws Exception {
        Map<String, String> queries = queries();
        Map<String, Function<List<Event>, List<String>>> expected = expectations();
        assertEquals(expected.keySet(), queries.keySet(), "every query in docs/queries.md has a check, and every check a query");
        List<Event> inRange = traffic.events().stream() // bots left out, as the queries do
                .filter(e -> !e.timestamp().isBefore(FROM) && e.timestamp().isBefore(TO) && !GeneratedTraffic.isBot(e)).toList();
        assertTrue(traffic.events().stream().anyMatch(GeneratedTraffic::isBot), "bots in the traffic");
        for (var query : queries.entrySet()) {
            List<String> actual = run(query.getValue());
            List<String> wanted = expected.get(query.getKey()).apply(inRange);
            if (!query.getValue().contains("LIMIT")) { // the order of a full answer is presentation; of a top N it is the answer
                actual = actual.stream().sorted().toList();
                wanted = wanted.stream().sorted().toList();
            }
            assertEquals(wanted, actual, query.getKey() + " (seed " + seed + ")");
            assertTrue(!actual.isEmpty(), query.getKey() + " answered nothing");
        }
    }

    @Test
    void everyGrafanaPanelIsItsDocumentedQueryAndRuns() throws Exception {
        Map<String, String> queries = queries();
        var dashboard = new com.fasterxml.jackson.databind.ObjectMapper().readTree(Path.of("..", "deploy", "grafana", "product-analytics.json").toFile());
        Set<String> shown = new HashSet<>();
        for (var panel : dashboard.get("panels")) {
            String name = panel.get("description").asText().replace("docs/queries.md: ", "");
            assertTrue(queries.containsKey(name), "panel " + panel.get("title") + " names no query of docs/queries.md: " + name);
            for (var target : panel.get("targets")) {
                assertEquals("grafana-clickhouse-datasource", target.get("datasource").get("type").asText());
                String sql = target.get("rawSql").asText()
                        .replace("${database}.", "product_analytics.").replace("'${api_key}'", "{api_key:String}")
                        .replace("$__fromTime", "{from:DateTime64(6)}").replace("$__toTime", "{to:DateTime64(6)}");
                assertEquals(queries.get(name).strip(), sql.strip(), "panel " + panel.get("title") + " is its documented query");
                List<String> rows = run(target.get("rawSql").asText().replace("${database}.", "product_analytics.")
                        .replace("'${api_key}'", "{api_key:String}").replace("$__fromTime", "toDateTime('2026-03-02 00:00:00', 'UTC')")
                        .replace("$__toTime", "toDateTime('2026-03-30 00:00:00', 'UTC')"));
                assertEquals(run(queries.get(name)), rows, "panel " + panel.get("title") + " answers as its query");
                shown.add(name);
            }
        }
        assertEquals(queries.keySet(), shown, "every documented query has a panel");
    }

    /** The queries of docs/queries.md by name, in order. */
    static Map<String, String> queries() throws Exception {
        Map<String, String> queries = new LinkedHashMap<>();
        Matcher m = QUERY.matcher(Files.readString(QUERIES));
        while (m.find()) {
            queries.put(m.group(1), m.group(2));
        }
        return queries;
    }

    /** Runs {@code sql} with the test's database and parameters; each row as tab-separated text. */
    static List<String> run(String sql) {
        String bound = sql.replace("product_analytics.", ch.database + ".")
                .replace("{api_key:String}", "'" + GeneratedTraffic.API_KEY + "'")
                .replace("{from:DateTime64(6)}", "toDateTime64('2026-03-02 00:00:00', 6, 'UTC')")
                .replace("{to:DateTime64(6)}", "toDateTime64('2026-03-30 00:00:00', 6, 'UTC')");
        return ch.query(bound).stream().map(StarterQueriesTest::line).toList();
    }

    private static String line(GenericRecord r) {
        List<String> cells = new ArrayList<>();
        for (int i = 1; i <= r.getSchema().getColumns().size(); i++) {
            Object v = r.getObject(i);
            cells.add(v instanceof Double d ? new java.math.BigDecimal(Double.toString(d)).stripTrailingZeros().toPlainString()
                    : v instanceof java.time.ZonedDateTime z ? z.toLocalDate().toString()
                    : v instanceof java.time.LocalDate d ? d.toString()
                    : v instanceof Number n && !(v instanceof Double) && !(v instanceof java.math.BigDecimal) ? Long.toString(n.longValue())
                    : String.valueOf(v));
        }
        return String.join("\t", cells);
    }

    // ---- the same questions in Java, over each event once ----

    private static Map<String, Function<List<Event>, List<String>>> expectations() {
        Map<String, Function<List<Event>, List<String>>> checks = new LinkedHashMap<>();
        checks.put("daily_active_users", events -> activeBy(events, StarterQueriesTest::day));
        checks.put("weekly_active_users", events -> activeBy(events, e -> day(e).with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY))));
        checks.put("monthly_active_users", events -> activeBy(events, e -> day(e).withDayOfMonth(1)));
        checks.put("pageviews_by_day_and_browser", events -> {
            Map<String, Long> counts = new TreeMap<>();
            pageviews(events).forEach(e -> counts.merge(day(e) + "\t" + property(e, "$browser"), 1L, Long::sum));
            return counts.entrySet().stream().map(c -> c.getKey() + "\t" + c.getValue()).toList();
        });
        checks.put("top_pages", events -> {
            Map<String, List<Event>> byPath = pageviews(events).collect(Collectors.groupingBy(e -> property(e, "$pathname")));
            return byPath.entrySet().stream()
                    .sorted(Comparator.<Map.Entry<String, List<Event>>>comparingInt(p -> -p.getValue().size()).thenComparing(Map.Entry::getKey))
                    .limit(10)
                    .map(p -> p.getKey() + "\t" + p.getValue().size() + "\t" + p.getValue().stream().map(Event::distinctId).distinct().count())
                    .toList();
        });
        checks.put("top_referrers", events -> {
            Map<String, Long> counts = new HashMap<>();
            sessions(traffic.events()).values().stream().filter(s -> inRange(s.getFirst().timestamp())).forEach(s -> {
                String referrer = first(s, "$referrer");
                if (!referrer.isEmpty()) {
                    counts.merge(referrer, 1L, Long::sum);
                }
            });
            return topCounts(counts);
        });
        checks.put("signup_funnel", events -> {
            long[] reached = new long[3];
            byPerson(events).values().forEach(list -> {
                int level = funnelLevel(list, Duration.ofDays(7));
                for (int i = 0; i < level; i++) {
                    reached[i]++;
                }
            });
            return List.of(reached[0] + "\t" + reached[1] + "\t" + reached[2]);
        });
        checks.put("weekly_retention", events -> {
            Map<String, Set<Long>> weeks = new HashMap<>();
            events.forEach(e -> weeks.computeIfAbsent(e.distinctId(), k -> new HashSet<>())
                    .add(Duration.between(FROM, e.timestamp()).toDays() / 7));
            long[] r = new long[4];
            weeks.values().stream().filter(w -> w.contains(0L)).forEach(w -> {
                for (int k = 0; k < 4; k++) {
                    r[k] += w.contains((long) k) ? 1 : 0;
                }
            });
            return List.of(r[0] + "\t" + r[1] + "\t" + r[2] + "\t" + r[3]);
        });
        checks.put("session_length_and_bounce_rate", events -> {
            List<List<Event>> started = sessions(traffic.events()).values().stream().filter(s -> inRange(s.getFirst().timestamp())).toList();
            double totalDuration = 0;
            long bounces = 0;
            for (List<Event> s : started) {
                long duration = s.getLast().timestamp().getEpochSecond() - s.getFirst().timestamp().getEpochSecond();
                long pageviews = s.stream().filter(e -> e.event().equals("$pageview")).count();
                long autocaptures = s.stream().filter(e -> e.event().equals("$autocapture")).count();
                totalDuration += duration;
                bounces += pageviews <= 1 && autocaptures == 0 && duration < 10 ? 1 : 0;
            }
            return List.of(started.size() + "\t" + round(totalDuration / started.size(), 2) + "\t" + round((double) bounces / started.size(), 4));
        });
        checks.put("paths_after_pricing", events -> {
            Map<String, Long> next = new HashMap<>();
            Map<String, List<Event>> bySession = pageviews(events).filter(e -> e.get(RecordField.SESSION_ID) != null)
                    .collect(Collectors.groupingBy(e -> e.get(RecordField.SESSION_ID)));
            bySession.values().forEach(list -> {
                List<Event> sorted = list.stream().sorted(Comparator.comparing(Event::timestamp)).toList();
                for (int i = 0; i + 1 < sorted.size(); i++) {
                    if (property(sorted.get(i), "$pathname").equals("/pricing")) {
                        next.merge(property(sorted.get(i + 1), "$pathname"), 1L, Long::sum);
                    }
                }
            });
            return topCounts(next);
        });
        checks.put("events_by_final_person", events -> {
            Map<UUID, Long> counts = new HashMap<>();
            events.forEach(e -> {
                UUID person = PersonIds.deterministic(e.project(), e.distinctId());
                counts.merge(overrides.getOrDefault(person, person), 1L, Long::sum);
            });
            return counts.entrySet().stream()
                    .sorted(Map.Entry.<UUID, Long>comparingByValue().reversed().thenComparing(c -> c.getKey().toString()))
                    .map(c -> c.getKey() + "\t" + c.getValue()).toList();
        });
        return checks;
    }

    private static List<String> activeBy(List<Event> events, Function<Event, LocalDate> bucket) {
        Map<LocalDate, Set<String>> active = new TreeMap<>();
        events.forEach(e -> active.computeIfAbsent(bucket.apply(e), k -> new HashSet<>()).add(e.distinctId()));
        return active.entrySet().stream().map(a -> a.getKey() + "\t" + a.getValue().size()).toList();
    }

    private static List<String> topCounts(Map<String, Long> counts) {
        return counts.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry::getKey))
                .limit(10).map(c -> c.getKey() + "\t" + c.getValue()).toList();
    }

    /** The funnel level windowFunnel gives one person: steps in order, all within the window from the first. */
    private static int funnelLevel(List<Event> events, Duration window) {
        List<String> steps = GeneratedTraffic.FUNNEL;
        int best = 0;
        for (Event start : events) {
            if (!start.event().equals(steps.getFirst())) {
                continue;
            }
            int level = 1;
            long first = start.timestamp().getEpochSecond(); // the query funnels on toDateTime(timestamp): whole seconds
            long last = first;
            for (Event e : events.stream().sorted(Comparator.comparing(Event::timestamp)).toList()) {
                long t = e.timestamp().getEpochSecond();
                if (level < steps.size() && e.event().equals(steps.get(level)) && t > last && t <= first + window.toSeconds()) {
                    level++;
                    last = t;
                }
            }
            best = Math.max(best, level);
        }
        return best;
    }

    /** Sessions (non-empty session id) of all events, each sorted by time; as the sessions view, none with a bot's event. */
    private static Map<String, List<Event>> sessions(List<Event> events) {
        Map<String, List<Event>> sessions = new HashMap<>();
        events.stream().filter(e -> e.get(RecordField.SESSION_ID) != null).forEach(e -> sessions.computeIfAbsent(e.get(RecordField.SESSION_ID), k -> new ArrayList<>()).add(e));
        sessions.values().removeIf(s -> s.stream().anyMatch(GeneratedTraffic::isBot));
        sessions.values().forEach(s -> s.sort(Comparator.comparing(Event::timestamp)));
        return sessions;
    }

    /** A property of the earliest event of the session that has it non-empty. */
    private static String first(List<Event> session, String name) {
        return session.stream().map(e -> property(e, name)).filter(v -> !v.isEmpty()).findFirst().orElse("");
    }

    private static Map<String, List<Event>> byPerson(List<Event> events) {
        return events.stream().collect(Collectors.groupingBy(Event::distinctId));
    }

    private static java.util.stream.Stream<Event> pageviews(List<Event> events) {
        return events.stream().filter(e -> e.event().equals("$pageview"));
    }

    private static boolean inRange(Instant t) {
        return !t.isBefore(FROM) && t.isBefore(TO);
    }

    private static LocalDate day(Event e) {
        return e.timestamp().atZone(ZoneOffset.UTC).toLocalDate();
    }

    /** A string property of the generated JSON (flat, no escapes), {@code ""} when absent. */
    static String property(Event e, String name) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\":\"([^\"]*)\"").matcher(e.properties());
        return m.find() ? m.group(1) : "";
    }

    private static String round(double value, int places) {
        return new java.math.BigDecimal(value).setScale(places, java.math.RoundingMode.HALF_EVEN).stripTrailingZeros().toPlainString();
    }
}
